package org.mos.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** k8s/images/jib-tarball-docker.sh answers Jib's two daemon calls and writes the tarball. */
class JibTarballDockerTest {

  private static final Path SCRIPT = Repo.K8S.resolve("images/jib-tarball-docker.sh");

  @TempDir Path dir;

  private record Result(int exit, String out) {}

  private Result run(byte[] stdin, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(concat(args)).redirectErrorStream(true);
    pb.environment().remove("MOS_IMAGE_TAR");
    pb.environment().putAll(env);
    Process p = pb.start();
    try (var in = p.getOutputStream()) {
      in.write(stdin);
    } catch (IOException e) {
      // a refusal exits without reading its input: the closed pipe is not what is tested
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  private static List<String> concat(String... args) {
    var all = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    all.addAll(List.of(args));
    return all;
  }

  @Test
  void reportsALinuxAmd64DaemonForJibsPlatformCheck() throws Exception {
    Result r = run(new byte[0], Map.of(), "info", "-f", "{{json .}}");
    assertThat(r.exit()).isZero();
    assertThat(Kustomize.YAML.readTree(r.out()).path("Architecture").asText()).isEqualTo("x86_64");
  }

  @Test
  void writesWhatJibLoadsToTheTarball() throws Exception {
    byte[] image = {1, 2, 3, 0, (byte) 255};
    Path tar = dir.resolve("image.tar");
    Result r = run(image, Map.of("MOS_IMAGE_TAR", tar.toString()), "load");
    assertThat(r.exit()).isZero();
    assertThat(Files.readAllBytes(tar)).containsExactly(image);
  }

  @Test
  void refusesToLoadWithoutATarballAndOtherCommands() throws Exception {
    assertThat(run(new byte[] {1}, Map.of(), "load").out()).contains("set MOS_IMAGE_TAR");
    Result push = run(new byte[0], Map.of(), "push", "x");
    assertThat(push.exit()).isEqualTo(1);
    assertThat(push.out()).contains("'push x' is not supported");
  }
}
