package org.mos.evaluator.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.evaluator.cli.MosCommand;
import picocli.CommandLine;

/**
 * {@code mos evaluate --scorer} end to end: the same data evaluated in process and over gRPC (an
 * in-test server on the scorer's generated service, backed by BundleModel + BundleScorer) gives the
 * same metrics; a scorer serving another version of the model is refused.
 */
class EvaluateOverGrpcTest {

  @TempDir Path dir;

  private Path data() throws IOException {
    Path id = dir.resolve("id");
    for (String cls : new String[] {"x", "y", "z"}) {
      Files.createDirectories(id.resolve(cls));
    }
    for (int i = 0; i < 9; i++) {
      String cls = new String[] {"x", "y", "z"}[i % 3];
      TransportFixtures.png(id.resolve(cls).resolve("i" + i + ".png"), 20 * i, 200 - 15 * i, 90);
    }
    Path ood = Files.createDirectories(dir.resolve("ood"));
    for (int i = 0; i < 6; i++) {
      TransportFixtures.png(ood.resolve("o" + i + ".png"), 250 - 30 * i, 40 * i, 10 * i);
    }
    Files.writeString(ood.resolve("broken.png"), "not a png");
    return dir;
  }

  private int evaluate(StringWriter err, String... extra) {
    String[] base = {
      "evaluate", "--id", dir.resolve("id").toString(), "--ood", "far=" + dir.resolve("ood"),
    };
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    CommandLine cl = new CommandLine(new MosCommand());
    cl.setOut(new PrintWriter(new StringWriter()));
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }

  private static JsonNode methods(Path out) throws IOException {
    return new ObjectMapper().readTree(out.resolve("results.json").toFile()).get("methods");
  }

  @Test
  void grpcRunGivesTheMetricsOfTheInProcessRun() throws Exception {
    data();
    Path bundle = TransportFixtures.bundle(dir);
    String spec = BundleScorerGrpcServer.MODEL + "=" + bundle;
    StringWriter err = new StringWriter();
    assertThat(evaluate(err, "--bundle", spec, "--out", dir.resolve("local").toString()))
        .as(err.toString())
        .isZero();
    try (ReferenceScores reference = new ReferenceScores(bundle);
        BundleScorerGrpcServer server = new BundleScorerGrpcServer(reference, 0)) {
      String scorer = "localhost:" + server.port();
      assertThat(
              evaluate(
                  err,
                  "--bundle",
                  spec,
                  "--scorer",
                  scorer,
                  "--out",
                  dir.resolve("remote").toString()))
          .as(err.toString())
          .isZero();
      assertThat(server.streamRequests.get()).isPositive();
    }
    JsonNode local = methods(dir.resolve("local"));
    JsonNode remote = methods(dir.resolve("remote"));
    assertThat(remote).hasSameSizeAs(local).hasSizeGreaterThan(2);
    for (int m = 0; m < local.size(); m++) {
      assertThat(remote.get(m).get("method")).isEqualTo(local.get(m).get("method"));
      assertThat(remote.get(m).get("ood")).isEqualTo(local.get(m).get("ood"));
    }
    JsonNode skipped =
        new ObjectMapper().readTree(dir.resolve("remote/results.json").toFile()).get("skipped");
    assertThat(skipped).hasSize(1);
    assertThat(skipped.get(0).get("image_id").asText()).isEqualTo("broken.png");
  }

  @Test
  void grpcRunWithInputPerturbationGivesTheScoresOfTheInProcessRun() throws Exception {
    data();
    Path bundle = PerturbationFixtures.bundle(dir);
    String spec = BundleScorerGrpcServer.MODEL + "=" + bundle;
    String[] perturbation = {
      "--methods", "odin,mahalanobis", "--odin-eps", "0.05", "--odin-temperature", "2"
    };
    StringWriter err = new StringWriter();
    List<String> local =
        new ArrayList<>(List.of("--bundle", spec, "--out", dir.resolve("local").toString()));
    local.addAll(List.of(perturbation));
    assertThat(evaluate(err, local.toArray(String[]::new))).as(err.toString()).isZero();
    try (ReferenceScores reference = new ReferenceScores(bundle);
        BundleScorerGrpcServer server = new BundleScorerGrpcServer(reference, 0)) {
      List<String> remote =
          new ArrayList<>(
              List.of(
                  "--bundle",
                  spec,
                  "--scorer",
                  "localhost:" + server.port(),
                  "--out",
                  dir.resolve("remote").toString()));
      remote.addAll(List.of(perturbation));
      assertThat(evaluate(err, remote.toArray(String[]::new))).as(err.toString()).isZero();
    }
    Map<String, Map<String, Double>> inProcess =
        PerturbationFixtures.storedScores(dir.resolve("local"));
    Map<String, Map<String, Double>> overGrpc =
        PerturbationFixtures.storedScores(dir.resolve("remote"));
    assertThat(overGrpc).hasSize(15).containsOnlyKeys(inProcess.keySet());
    double moved = 0;
    try (ReferenceScores reference = new ReferenceScores(bundle)) {
      for (var e : inProcess.entrySet()) {
        double odin = e.getValue().get("odin@eps0.05@T2.0");
        assertThat(overGrpc.get(e.getKey()).get("odin@eps0.05@T2.0"))
            .as(e.getKey())
            .isCloseTo(odin, within(1e-6));
        assertThat(overGrpc.get(e.getKey()).get("mahalanobis"))
            .isCloseTo(e.getValue().get("mahalanobis"), within(1e-6));
        double plain =
            reference
                .score(
                    List.of(Files.readAllBytes(Path.of(e.getKey()))),
                    List.of("odin"),
                    new org.mos.common.score.OdinSettings(0, 2))
                .images()
                .get(0)
                .scores()
                .get("odin");
        moved = Math.max(moved, Math.abs(odin - plain));
      }
    }
    assertThat(moved).as("the scorer applied epsilon 0.05").isGreaterThan(1e-3);
  }

  @Test
  void refusesAScorerThatServesAnotherVersionOfTheModel() throws Exception {
    data();
    Path served = TransportFixtures.bundle(dir);
    Path other = dir.resolve("other");
    new org.mos.common.inference.synthetic.SyntheticBundle(
            4,
            java.util.List.of("x", "y", "z"),
            null,
            TransportFixtures.W,
            new float[] {0, 0, 0},
            java.util.Map.of())
        .writeTo(other);
    try (ReferenceScores reference = new ReferenceScores(served);
        BundleScorerGrpcServer server = new BundleScorerGrpcServer(reference, 0)) {
      StringWriter err = new StringWriter();
      int code =
          evaluate(
              err,
              "--bundle",
              BundleScorerGrpcServer.MODEL + "=" + other,
              "--scorer",
              "localhost:" + server.port(),
              "--out",
              dir.resolve("r").toString());
      assertThat(code).isEqualTo(2);
      assertThat(err.toString()).contains("checksum").contains("serves model 'synthetic'");
    }
  }
}
