package org.mos.evaluator.userpath;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new user's path on their own ImageFolder data, through the built jars exactly as {@code ./mos}
 * runs them: {@code train} on class folders, {@code export --checkpoint RUN} with no option
 * repeated, {@code fit}, {@code evaluate --id} on the same kind of class folders, and {@code serve}
 * scoring an image over REST. The trainer and scorer jars come from the earlier modules of the same
 * reactor build ({@code mos.root} names the checkout).
 */
class UserPathIT {

  private static final List<String> CLASSES = List.of("cat", "dog", "fox");
  private static final Pattern LISTENING = Pattern.compile("Listening on: http://[^:\\s]+:(\\d+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void trainExportFitEvaluateAndServeWorkOnClassFoldersWithNoOptionRepeated() throws Exception {
    Path data = dir.resolve("data");
    writeImageFolder(data.resolve("train"), 2, 1);
    writeImageFolder(data.resolve("test"), 1, 2);
    writeNoise(data.resolve("ood"), 2);

    Path run = dir.resolve("run");
    trainer(
        "train",
        "--train",
        data.resolve("train").toString(),
        "--mode",
        "group",
        "--groups",
        "1,2",
        "--arch",
        "R50x1",
        "--units",
        "1,1,1,1",
        "--base-width",
        "32",
        "--steps",
        "2",
        "--batch",
        "3",
        "--threads",
        "1",
        "--out",
        run.toString());
    Path exported = dir.resolve("bundle");
    trainer("export", "--checkpoint", run.toString(), "--out", exported.toString());
    JsonNode manifest = JSON.readTree(exported.resolve("manifest.json").toFile());
    assertThat(manifest.get("class_names"))
        .extracting(JsonNode::asText)
        .containsExactlyElementsOf(CLASSES);
    // BiT's small-image rule for 24 px images: resize 160, crop 128, and the test side is the crop
    assertThat(manifest.get("input_size").asInt()).isEqualTo(128);
    assertThat(manifest.get("group_sizes")).extracting(JsonNode::asInt).containsExactly(1, 2);

    Path models = dir.resolve("models");
    Path fitted = models.resolve("pets");
    evaluator(
        "fit",
        "--bundle",
        exported.toString(),
        "--out",
        fitted.toString(),
        "--calibrate",
        data.resolve("train").toString());
    Path report = dir.resolve("report");
    evaluator(
        "evaluate",
        "--id",
        data.resolve("test").toString(),
        "--ood",
        "noise=" + data.resolve("ood"),
        "--bundle",
        fitted.toString(),
        "--out",
        report.toString());
    JsonNode results = JSON.readTree(report.resolve("results.json").toFile());
    assertThat(results.get("id_accuracy").has("pets")).as(results.toString()).isTrue();
    assertThat(results.get("methods").findValuesAsText("label")).contains("MOS");

    JsonNode scored = serveAndScore(models, "pets", data.resolve("test/dog/0.png"));
    JsonNode image = scored.get("images").get(0);
    assertThat(image.get("className").asText()).isIn(CLASSES);
    assertThat(image.get("scores").has("mos")).as(scored.toString()).isTrue();
  }

  /** Starts the scorer on {@code models}, waits for its listening line, scores one image. */
  private JsonNode serveAndScore(Path models, String model, Path image) throws Exception {
    int grpcPort;
    try (ServerSocket free = new ServerSocket(0)) {
      grpcPort = free.getLocalPort();
    }
    Process scorer =
        new ProcessBuilder(
                java(),
                "-Dscorer.models-dir=" + models,
                "-Dquarkus.http.port=0",
                "-Dquarkus.grpc.server.port=" + grpcPort,
                "-jar",
                jar("scorer").toString())
            .redirectErrorStream(true)
            .start();
    StringBuilder log = new StringBuilder();
    try {
      int port = -1;
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(scorer.getInputStream(), StandardCharsets.UTF_8));
      // Quarkus prints the listening line once the models are loaded and the ports bound
      for (String line; port < 0 && (line = out.readLine()) != null; ) {
        log.append(line).append('\n');
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          port = Integer.parseInt(m.group(1));
        }
      }
      assertThat(port).as("the scorer ended before listening:%n%s", log).isPositive();
      Thread drain =
          new Thread(
              () -> {
                try {
                  out.transferTo(java.io.Writer.nullWriter());
                } catch (IOException e) {
                  // the process ended
                }
              });
      drain.setDaemon(true);
      drain.start();
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + port;
      HttpResponse<String> ready =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/v1/models/" + model + "/score"))
                  .header("Content-Type", "image/png")
                  .POST(HttpRequest.BodyPublishers.ofFile(image))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return JSON.readTree(response.body());
    } finally {
      scorer.destroy();
      scorer.waitFor();
    }
  }

  private void trainer(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(java(), "-Djava.awt.headless=true"));
    // one libtorch thread: on a busy machine OpenMP threads that wait cost far more than they give
    command.addAll(
        List.of("-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"));
    runJar("trainer", command, args);
  }

  private void evaluator(String... args) throws Exception {
    runJar("evaluator", new ArrayList<>(List.of(java(), "-Djava.awt.headless=true")), args);
  }

  private void runJar(String module, List<String> command, String... args) throws Exception {
    command.add("-jar");
    command.add(jar(module).toString());
    command.addAll(List.of(args));
    Path log = dir.resolve(module + "-" + args[0] + ".log");
    int code =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start()
            .waitFor();
    assertThat(code)
        .as("%s %s exited with %d:%n%s", module, args[0], code, Files.readString(log))
        .isZero();
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static Path jar(String module) {
    String root = System.getProperty("mos.root");
    Path base = root != null ? Path.of(root) : Path.of("").toAbsolutePath().getParent();
    Path jar = base.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    assertThat(jar)
        .as(
            "the %s jar, built by the reactor before the evaluator (./mvnw -pl"
                + " trainer,scorer,evaluator -am verify)",
            module)
        .isRegularFile();
    return jar;
  }

  /** {@code perClass} 24x24 PNGs per class folder, each class a different hue with some noise. */
  private static void writeImageFolder(Path root, int perClass, long seed) throws IOException {
    Random random = new Random(seed);
    int[][] hues = {{200, 60, 60}, {60, 200, 60}, {60, 60, 200}};
    for (int c = 0; c < CLASSES.size(); c++) {
      Path folder = Files.createDirectories(root.resolve(CLASSES.get(c)));
      for (int i = 0; i < perClass; i++) {
        BufferedImage image = new BufferedImage(24, 24, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 24; y++) {
          for (int x = 0; x < 24; x++) {
            int rgb = 0;
            for (int k = 0; k < 3; k++) {
              int v = Math.max(0, Math.min(255, hues[c][k] + random.nextInt(61) - 30));
              rgb = (rgb << 8) | v;
            }
            image.setRGB(x, y, rgb);
          }
        }
        ImageIO.write(image, "png", folder.resolve(i + ".png").toFile());
      }
    }
  }

  private static void writeNoise(Path folder, int count) throws IOException {
    Files.createDirectories(folder);
    Random random = new Random(3);
    for (int i = 0; i < count; i++) {
      BufferedImage image = new BufferedImage(24, 24, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < 24; y++) {
        for (int x = 0; x < 24; x++) {
          image.setRGB(x, y, random.nextInt(1 << 24));
        }
      }
      ImageIO.write(image, "png", folder.resolve("noise" + i + ".png").toFile());
    }
  }
}
