package org.mos.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Reading an app's own configuration: Quarkus' defaults, its overrides, and the Jib image names.
 */
class AppConfigTest {

  private static AppConfig config(String... keyValues) {
    Properties p = new Properties();
    for (int i = 0; i < keyValues.length; i += 2) {
      p.setProperty(keyValues[i], keyValues[i + 1]);
    }
    return new AppConfig(Repo.ROOT.resolve("scorer"), p, "1.2.3");
  }

  @Test
  void healthPathsAreQuarkusDefaultsUnlessTheAppMovesThem() {
    assertThat(config().healthPath("ready")).isEqualTo("/q/health/ready");
    assertThat(config().healthPath("started")).isEqualTo("/q/health/started");
    AppConfig moved =
        config(
            "quarkus.http.non-application-root-path", "/admin/",
            "quarkus.smallrye-health.liveness-path", "alive");
    assertThat(moved.healthPath("live")).isEqualTo("/admin/health/alive");
  }

  @Test
  void expandsExpressionsWithTheirDefaults() {
    AppConfig c =
        config(
            "quarkus.http.port", "8181",
            "quarkus.jib.ports", "${quarkus.http.port},${quarkus.grpc.server.port:9000}");
    assertThat(c.imagePorts()).containsExactly(8181, 9000);
    assertThat(config().imagePorts()).containsExactly(8080);
  }

  @Test
  void namesTheImageFromGroupNameAndRegistry() {
    assertThat(
            config("quarkus.container-image.group", "mos", "quarkus.container-image.name", "x")
                .imageRepository())
        .isEqualTo("mos/x");
    assertThat(
            config(
                    "quarkus.container-image.registry", "reg.example:5000",
                    "quarkus.container-image.group", "mos",
                    "quarkus.container-image.name", "x")
                .imageRepository())
        .isEqualTo("reg.example:5000/mos/x");
    assertThatThrownBy(() -> config("quarkus.container-image.name", "x").imageRepository())
        .hasMessageContaining("quarkus.container-image.group and .name must be set");
  }

  @Test
  void theScorersRealConfigurationOpensRestAndGrpcAndNamesItsImages() {
    assertThat(Repo.SCORER.imagePorts()).containsExactly(8080, 9000);
    assertThat(Repo.SCORER.imageRepository()).isEqualTo("mos/scorer");
    assertThat(Repo.SCORER.cpuTag()).isEqualTo(Repo.VERSION);
    assertThat(Repo.SCORER.cudaTag()).isEqualTo(Repo.VERSION + "-cuda");
    assertThat(Repo.TRAINER.cudaTag()).isEqualTo(Repo.VERSION + "-cuda");
    assertThat(Repo.APPS).containsOnlyKeys("mos/scorer", "mos/trainer", "mos/evaluator");
  }

  @Test
  void anAppWithoutACudaProfileHasNoCudaImage() {
    assertThatThrownBy(Repo.EVALUATOR::cudaTag).hasMessageContaining("has no cuda profile");
  }
}
