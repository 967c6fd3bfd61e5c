package org.mos.scorer.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mos.scorer.TestBundles;
import org.mos.scorer.service.ModelRegistry;

/** Model listing, reload, health, metrics and OpenAPI. */
@QuarkusTest
@WithTestResource(TestBundles.class)
class ModelsResourceTest {

  @Inject ModelRegistry registry;

  @Test
  void listsTheValidBundlesReadyAndBrokenOnesNotReadyAndSkipsBadNames() {
    given()
        .get("/v1/models")
        .then()
        .statusCode(200)
        .body("name", equalTo(List.of("broken", "flat", "grouped", "maha")))
        .body("ready", equalTo(List.of(false, true, true, true)))
        .body("find { it.name == 'broken' }.error", containsString("failed to load"))
        .body("find { it.name == 'grouped' }.groupSizes", equalTo(List.of(1, 2)))
        .body("find { it.name == 'grouped' }.calibratedMethods", equalTo(List.of("mos")))
        .body(
            "find { it.name == 'grouped' }.methods",
            equalTo(List.of("mos", "msp", "maxlogit", "energy", "odin", "gen")));
    assertThat(registry.failures()).containsOnlyKeys("broken");
  }

  @Test
  void reloadsAChangedBundleAndServesTheNewVersion() throws Exception {
    String before = given().get("/v1/models/flat").then().extract().path("checksum");
    TestBundles.writeFlat(TestBundles.modelsDir().resolve("flat"), new float[] {3, 0, 0});
    registry.scan();
    String after = given().get("/v1/models/flat").then().extract().path("checksum");
    assertThat(after).isNotEqualTo(before);
    // black image: f = (-1, -1, -1): logits (-1 + 3, -2, 1) -> maxlogit 2
    float maxlogit =
        given()
            .contentType("image/png")
            .body(TestBundles.png(0, 0, 0))
            .post("/v1/models/flat/score?methods=maxlogit")
            .then()
            .statusCode(200)
            .extract()
            .path("images[0].scores.maxlogit");
    assertThat(maxlogit).isCloseTo(2f, within(1e-5f));
    TestBundles.writeFlat(TestBundles.modelsDir().resolve("flat"), TestBundles.FLAT_B);
    registry.scan();
  }

  @Test
  void isReadyWithModelsLoadedAndExportsMetricsAndOpenApi() {
    given()
        .get("/q/health/ready")
        .then()
        .statusCode(200)
        .body("checks.find { it.name == 'models' }.data", hasKey("failed.broken"));
    given()
        .contentType("image/png")
        .body(TestBundles.png(9, 9, 9))
        .post("/v1/models/grouped/score")
        .then()
        .statusCode(200);
    given()
        .get("/q/metrics")
        .then()
        .statusCode(200)
        .body(containsString("mos_scorer_request_latency_seconds_bucket"))
        .body(containsString("mos_scorer_batch_size"))
        .body(containsString("mos_scorer_decisions_total"));
    given()
        .get("/q/openapi")
        .then()
        .statusCode(200)
        .body(containsString("/v1/models/{model}/score"))
        // the score response's schema, not the RestResponse wrapper that carries its headers
        .body(containsString("ScoreResponse"));
  }
}
