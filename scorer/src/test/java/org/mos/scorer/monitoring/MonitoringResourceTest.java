package org.mos.scorer.monitoring;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.mos.scorer.TestBundles;

/**
 * The monitoring series on /q/metrics, with a window of 4 scores: the grouped test model's mos
 * calibration scores are {-0.5, -0.4, -0.3, -0.2}; green images score -0.576 (below all of them,
 * OOD at the default TPR), red ones -0.234 (rank 0.75, ID).
 */
@QuarkusTest
@WithTestResource(TestBundles.class)
@TestProfile(MonitoringResourceTest.SmallWindow.class)
class MonitoringResourceTest {

  /** A window of 4 and drift reported from 4 scores on. */
  public static class SmallWindow implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("scorer.monitoring.window", "4", "scorer.monitoring.drift-min-scores", "4");
    }
  }

  private static void score(int r, int g, int b) {
    given()
        .contentType("image/png")
        .body(TestBundles.png(r, g, b))
        .post("/v1/models/grouped/score?methods=mos")
        .then()
        .statusCode(200);
  }

  private static double series(String metrics, String name, String labels) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(metrics);
    while (m.find()) {
      boolean all = true;
      for (String label : labels.split(",")) {
        all &= m.group(1).contains(label);
      }
      if (all) {
        return Double.parseDouble(m.group(2));
      }
    }
    throw new AssertionError("no series " + name + "{" + labels + "} in\n" + metrics);
  }

  private static String metrics() {
    return given().get("/q/metrics").then().statusCode(200).extract().asString();
  }

  @Test
  void windowGivesOodShareAndDriftAndRanksFollowCalibrationQuantiles() {
    String checksum = given().get("/v1/models/grouped").then().extract().path("checksum");
    String model = "model=\"grouped\"";
    String mos = "method=\"mos\"";
    assertThat(
            series(
                metrics(),
                "mos_scorer_model_info",
                model + ",head=\"group\",checksum=\"" + checksum + "\""))
        .isEqualTo(1.0);
    for (int i = 0; i < 3; i++) {
      score(0, 255, 0);
    }
    // 3 scores < drift-min-scores 4: no drift value yet
    assertThat(series(metrics(), "mos_scorer_drift_ks", model + "," + mos)).isNaN();
    score(0, 255, 0);
    String after4 = metrics();
    assertThat(series(after4, "mos_scorer_ood_share", model + "," + mos)).isEqualTo(1.0);
    // every live score below every ID score: D = 1, p = kstwobign.sf(sqrt(4*4/8) * 1) = 0.036631
    assertThat(series(after4, "mos_scorer_drift_ks", model + "," + mos)).isEqualTo(1.0);
    assertThat(series(after4, "mos_scorer_drift_p_value", model + "," + mos))
        .isCloseTo(0.036631, within(1e-5));
    // rank 0 for every green: in every bucket
    assertThat(
            series(
                after4, "mos_scorer_score_rank_percent_bucket", model + "," + mos + ",le=\"1.0\""))
        .isEqualTo(4.0);

    for (int i = 0; i < 4; i++) {
      score(255, 0, 0);
    }
    String after8 = metrics();
    // the window now holds the 4 reds only
    assertThat(series(after8, "mos_scorer_ood_share", model + "," + mos)).isEqualTo(0.0);
    // F_window jumps at -0.234; F_calibration is 3/4 there: D = 0.75
    assertThat(series(after8, "mos_scorer_drift_ks", model + "," + mos))
        .isCloseTo(0.75, within(1e-12));
    // reds rank 75%: above the le=50 bucket, inside le=75 (at its boundary) and le=90
    assertThat(
            series(
                after8, "mos_scorer_score_rank_percent_bucket", model + "," + mos + ",le=\"50.0\""))
        .isEqualTo(4.0);
    assertThat(
            series(
                after8, "mos_scorer_score_rank_percent_bucket", model + "," + mos + ",le=\"90.0\""))
        .isEqualTo(8.0);
    assertThat(
            series(
                after8, "mos_scorer_score_rank_percent_bucket", model + "," + mos + ",le=\"75.0\""))
        .isEqualTo(8.0);
    assertThat(series(after8, "mos_scorer_scores_total", model + "," + mos)).isEqualTo(8.0);
    // the window mean of the 4 reds' mos scores: the red's score itself (as JSON prints it)
    double red =
        given()
            .contentType("image/png")
            .body(TestBundles.png(255, 0, 0))
            .post("/v1/models/grouped/score?methods=mos")
            .then()
            .extract()
            .jsonPath()
            .getDouble("images[0].scores.mos");
    assertThat(series(after8, "mos_scorer_score_window_mean", model + "," + mos))
        .isCloseTo(red, within(1e-6));
  }

  @Test
  void calibrationEndpointGivesQuantilesAndTheDefaultThreshold() {
    var r =
        given().get("/v1/models/grouped/calibration").then().statusCode(200).extract().jsonPath();
    assertThat(r.getInt("methods.mos.count")).isEqualTo(4);
    assertThat(r.getList("methods.mos.quantiles", Double.class)).hasSize(101);
    assertThat(r.getDouble("methods.mos.quantiles[0]")).isEqualTo(-0.5);
    assertThat(r.getDouble("methods.mos.quantiles[50]")).isCloseTo(-0.35, within(1e-12));
    assertThat(r.getDouble("methods.mos.threshold")).isEqualTo(-0.5);
    assertThat(r.getMap("methods")).containsOnlyKeys("mos");
    given().get("/v1/models/nope/calibration").then().statusCode(404);
  }
}
