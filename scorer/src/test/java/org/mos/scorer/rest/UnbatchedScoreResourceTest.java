package org.mos.scorer.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mos.scorer.TestBundles;

/** Micro-batching off and a max batch of 2: requests run on their own, in chunks of 2. */
@QuarkusTest
@TestProfile(UnbatchedScoreResourceTest.Unbatched.class)
@WithTestResource(TestBundles.class)
class UnbatchedScoreResourceTest {

  /** Batching off, two images per ONNX run. */
  public static class Unbatched implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("scorer.batching.enabled", "false", "scorer.batching.max-batch", "2");
    }
  }

  /** Red, black and white as three parts, scored with maxlogit. */
  private static io.restassured.response.Response scoreThree() {
    return given()
        .multiPart("a", "a.png", TestBundles.png(255, 0, 51), "image/png")
        .multiPart("b", "b.png", TestBundles.png(0, 0, 0), "image/png")
        .multiPart("c", "c.png", TestBundles.png(255, 255, 255), "image/png")
        .post("/v1/models/flat/score?methods=maxlogit")
        .then()
        .statusCode(200)
        .extract()
        .response();
  }

  @Test
  void scoresARequestLargerThanTheBatchInChunksInPartOrder() {
    List<Float> maxlogits = scoreThree().jsonPath().getList("images.scores.maxlogit", Float.class);
    // logits: red (1.5, -2, 0.85), black (-0.5, -2, 1.25), white (1.5, 2, -0.75)
    assertThat(maxlogits)
        .satisfiesExactly(
            v -> assertThat(v).isCloseTo(1.5f, within(1e-5f)),
            v -> assertThat(v).isCloseTo(1.25f, within(1e-5f)),
            v -> assertThat(v).isCloseTo(2f, within(1e-5f)));
  }

  @Test
  void theServerTimingOfAChunkedRequestAddsUpItsChunks() {
    ServerTimingHeader timing = new ServerTimingHeader(scoreThree().header("Server-Timing"));
    // three images in runs of at most two: the largest run held 2
    assertThat(timing.descriptions).containsEntry("infer", "batch of 2 images");
    assertThat(timing.durations.get("infer")).isPositive();
  }
}
