package org.mos.scorer.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.mos.scorer.TestBundles;

/**
 * REST scoring against the linear test bundles. Expected values are worked out by hand: a solid
 * (255, 0, 51) image normalises to f = (1, -1, -0.6); black to (-1, -1, -1); white to (1, 1, 1).
 */
@QuarkusTest
@WithTestResource(TestBundles.class)
class ScoreResourceTest {

  private static final byte[] RED = TestBundles.png(255, 0, 51);
  private static final byte[] BLACK = TestBundles.png(0, 0, 0);
  private static final byte[] GREEN = TestBundles.png(0, 204, 0);

  private static JsonPath scoreOne(String model, byte[] png, String query) {
    return given()
        .contentType("image/png")
        .body(png)
        .post("/v1/models/" + model + "/score" + query)
        .then()
        .statusCode(200)
        .extract()
        .jsonPath();
  }

  @Test
  void scoresOneImageOfAFlatModelWithTheBaselinesOnHandComputedLogits() {
    JsonPath r = scoreOne("flat", RED, "?include=logits,topk&top_k=2");
    // logits = (1*1 + 0.5, 2*(-1), -1*(-0.6) + 0.25) = (1.5, -2, 0.85)
    double sum = Math.exp(1.5) + Math.exp(-2) + Math.exp(0.85);
    assertThat(r.getDouble("images[0].scores.msp")).isCloseTo(Math.exp(1.5) / sum, within(1e-6));
    assertThat(r.getDouble("images[0].scores.maxlogit")).isCloseTo(1.5, within(1e-6));
    assertThat(r.getDouble("images[0].scores.energy")).isCloseTo(Math.log(sum), within(1e-6));
    assertThat(r.getString("images[0].className")).isEqualTo("x");
    assertThat(r.getList("images[0].logits", Float.class))
        .satisfiesExactly(
            v -> assertThat(v).isCloseTo(1.5f, within(1e-5f)),
            v -> assertThat(v).isCloseTo(-2f, within(1e-5f)),
            v -> assertThat(v).isCloseTo(0.85f, within(1e-5f)));
    assertThat(r.getList("images[0].topK.name", String.class)).containsExactly("x", "z");
    assertThat(r.getMap("decisionsOmitted")).containsKey("msp");
    assertThat(r.getMap("images[0].decisions")).isEmpty();
  }

  @Test
  void groupModelGivesMosWithCalibratedDecisionsAtTheRequestedTpr() {
    // red: logits (0, 1 | 0, 1, -0.6); others: 1/(1+e) = 0.269 and 1/(1+e+e^-0.6) = 0.234
    double redMos = -1 / (1 + Math.E + Math.exp(-0.6));
    JsonPath red = scoreOne("grouped", RED, "?methods=mos&tpr=0.5");
    assertThat(red.getDouble("images[0].scores.mos")).isCloseTo(redMos, within(1e-6));
    assertThat(red.getInt("images[0].group")).isZero();
    assertThat(red.getString("images[0].className")).isEqualTo("a");
    // TPR 0.5 of {-0.5, -0.4, -0.3, -0.2}: keep the 2 highest, threshold -0.3
    assertThat(red.getDouble("images[0].decisions.mos.threshold")).isEqualTo(-0.3);
    assertThat(red.getDouble("images[0].decisions.mos.tpr")).isEqualTo(0.5);
    assertThat(red.getBoolean("images[0].decisions.mos.ood")).isFalse();
    assertThat(red.getDouble("images[0].decisions.mos.pValue")).isEqualTo(0.75);
    // green (0, 255, 0): f = (-1, 1, -1), logits (0, -1 | 0, -1, -1):
    // others 1/(1+e^-1) = 0.731 and 1/(1+2e^-1) = 0.576 -> mos = -0.576 < -0.3
    JsonPath green = scoreOne("grouped", TestBundles.png(0, 255, 0), "?methods=mos&tpr=0.5");
    assertThat(green.getDouble("images[0].scores.mos"))
        .isCloseTo(-1 / (1 + 2 * Math.exp(-1)), within(1e-6));
    assertThat(green.getBoolean("images[0].decisions.mos.ood")).isTrue();
    assertThat(green.getDouble("images[0].decisions.mos.pValue")).isEqualTo(0.0);
    // default TPR 0.95: keep all 4, threshold -0.5, TPR 1
    JsonPath dflt = scoreOne("grouped", RED, "?methods=mos");
    assertThat(dflt.getDouble("images[0].decisions.mos.threshold")).isEqualTo(-0.5);
    assertThat(dflt.getDouble("images[0].decisions.mos.tpr")).isEqualTo(1.0);
  }

  @Test
  void aServerTimingHeaderSaysWhereTheRequestsTimeWentInTheService() {
    long start = System.nanoTime();
    io.restassured.response.Response r =
        given()
            .multiPart("first", "black.png", BLACK, "image/png")
            .multiPart("second", "red.png", RED, "image/png")
            .multiPart("third", "green.png", GREEN, "image/png")
            .post("/v1/models/flat/score?methods=maxlogit")
            .then()
            .statusCode(200)
            .extract()
            .response();
    double wallMs = (System.nanoTime() - start) / 1e6;
    ServerTimingHeader timing = new ServerTimingHeader(r.header("Server-Timing"));
    assertThat(timing.durations).containsOnlyKeys("prepare", "queue", "infer", "score");
    assertThat(List.copyOf(timing.durations.keySet()))
        .containsExactly("prepare", "queue", "infer", "score");
    assertThat(timing.durations.get("prepare")).isPositive(); // three PNGs decoded and resized
    assertThat(timing.durations.get("infer")).isPositive();
    // tests send one request at a time: its three images ran as one batch
    assertThat(timing.descriptions).containsEntry("infer", "batch of 3 images");
    assertThat(timing.total()).isLessThanOrEqualTo(wallMs);
  }

  @Test
  void scoresMultipartImagesInPartOrder() {
    JsonPath r =
        given()
            .multiPart("first", "black.png", BLACK, "image/png")
            .multiPart("second", "red.png", RED, "image/png")
            .post("/v1/models/flat/score?methods=maxlogit")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    // black: logits (-0.5, -2, 1.25) -> maxlogit 1.25; red: 1.5
    assertThat(r.getList("images.scores.maxlogit", Float.class))
        .satisfiesExactly(
            v -> assertThat(v).isCloseTo(1.25f, within(1e-5f)),
            v -> assertThat(v).isCloseTo(1.5f, within(1e-5f)));
  }

  @Test
  void concurrentRequestsEachGetTheirOwnResults() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Double>> results = new java.util.ArrayList<>();
      for (int i = 0; i < 16; i++) {
        byte[] png = i % 2 == 0 ? RED : BLACK;
        results.add(
            pool.submit(
                () ->
                    scoreOne("flat", png, "?methods=maxlogit")
                        .getDouble("images[0].scores.maxlogit")));
      }
      for (int i = 0; i < 16; i++) {
        assertThat(results.get(i).get()).isCloseTo(i % 2 == 0 ? 1.5 : 1.25, within(1e-5));
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void odinWithEpsilonScoresTheInputPerturbedAgainstTheGradientSign() {
    JsonPath r = scoreOne("flat", RED, "?methods=odin,msp&odin.eps=0.1&odin.T=1");
    // logits (1.5, -2, 0.85), class 0; v = softmax - onehot(0) has signs (-, +, +), so
    // sum_k v_k W_kc (W = diag(1, 2, -1)) has signs (-, +, -): f' = f - 0.1 (-1, +1, -1)
    // = (1.1, -1.1, -0.5), logits' = (1.6, -2.2, 0.75)
    double perturbed = Math.exp(1.6) + Math.exp(-2.2) + Math.exp(0.75);
    assertThat(r.getDouble("images[0].scores.odin"))
        .isCloseTo(Math.exp(1.6) / perturbed, within(1e-6));
    double plain = Math.exp(1.5) + Math.exp(-2) + Math.exp(0.85);
    assertThat(r.getDouble("images[0].scores.msp")).isCloseTo(Math.exp(1.5) / plain, within(1e-6));
    // epsilon 0: temperature scaling only, on the plain logits
    JsonPath t = scoreOne("flat", RED, "?methods=odin&odin.T=1");
    assertThat(t.getDouble("images[0].scores.odin")).isCloseTo(Math.exp(1.5) / plain, within(1e-6));
  }

  @Test
  void mahalanobisFittedWithAMagnitudeScoresEachImageOfABatchAfterItsOwnPerturbation() {
    JsonPath r =
        given()
            .multiPart("a", "a.png", RED, "image/png")
            .multiPart("b", "b.png", GREEN, "image/png")
            .post("/v1/models/maha/score?methods=mahalanobis,msp")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    // block1 = mean relu(x); means (0.5, 0, 0), (0, 0.5, 0); P = I; -P(OOD) = -sigmoid(0.1 + 2 s).
    // RED: x = (1, -1, -0.6), f = (1, 0, 0), closest mean 0, cotangent P (f - mu) = (0.5, 0, 0):
    // the gradient is > 0 on channel 0 and exactly 0 elsewhere (relu), and 0 counts as positive,
    // so x' = x - 0.1 = (0.9, -1.1, -0.7), f' = (0.9, 0, 0), s = -0.5 * 0.4^2 = -0.08
    assertThat(r.getDouble("images[0].scores.mahalanobis"))
        .isCloseTo(-sigmoid(0.1 + 2 * -0.08), within(1e-6));
    // GREEN (0, 204, 0): x = (-1, 0.6, -1), f = (0, 0.6, 0), closest mean 1, cotangent (0, 0.1, 0):
    // x' = (-1.1, 0.5, -1.1), f' = (0, 0.5, 0), s = 0 (unperturbed it would be -0.005)
    assertThat(r.getDouble("images[1].scores.mahalanobis")).isCloseTo(-sigmoid(0.1), within(1e-6));
    // msp of the same request scores the input as it is: logits (1.5, -2, 0.85)
    double plain = Math.exp(1.5) + Math.exp(-2) + Math.exp(0.85);
    assertThat(r.getDouble("images[0].scores.msp")).isCloseTo(Math.exp(1.5) / plain, within(1e-6));
  }

  private static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  @Test
  void refusesOdinPerturbationWithoutGradientGraphsOrWithNegativeEpsilon() {
    problem(
            given().contentType("image/png").body(RED),
            "/v1/models/grouped/score?methods=odin&odin.eps=0.01",
            400)
        .body("detail", containsString("no gradient graphs"));
    problem(given().contentType("image/png").body(RED), "/v1/models/flat/score?odin.eps=-1", 400)
        .body("detail", containsString("epsilon"));
  }

  @Test
  void refusesBadInputWithProblemDocumentsAndKeepsServing() {
    problem(
            given().contentType("image/png").body(new byte[] {1, 2, 3}),
            "/v1/models/flat/score",
            400)
        .body("detail", containsString("cannot decode"));
    problem(given().contentType("image/png").body(RED), "/v1/models/nope/score", 404)
        .body("detail", containsString("'nope'"));
    problem(given().contentType("image/png").body(RED), "/v1/models/..%2F..%2Fetc/score", 404);
    problem(given().contentType("image/png").body(new byte[150_000]), "/v1/models/flat/score", 413)
        .body("detail", containsString("max-image-bytes"));
    var five = given();
    for (int i = 0; i < 5; i++) {
      five = five.multiPart("p" + i, "p" + i + ".png", RED, "image/png");
    }
    problem(five, "/v1/models/flat/score", 413).body("detail", containsString("5 images"));
    problem(given().contentType("text/plain").body("hello"), "/v1/models/flat/score", 415);
    problem(given().contentType("image/png").body(RED), "/v1/models/flat/score?methods=mos", 400)
        .body("detail", containsString("does not support method 'mos'"));
    problem(given().contentType("image/png").body(RED), "/v1/models/flat/score?tpr=1.5", 400)
        .body("detail", containsString("tpr"));
    problem(
        given().contentType("image/png").body(RED), "/v1/models/flat/score?include=pixels", 400);
    // still serving
    assertThat(scoreOne("flat", RED, "?methods=maxlogit").getDouble("images[0].scores.maxlogit"))
        .isCloseTo(1.5, within(1e-5));
  }

  static io.restassured.response.ValidatableResponse problem(
      io.restassured.specification.RequestSpecification spec, String path, int status) {
    return spec.post(path)
        .then()
        .statusCode(status)
        .contentType("application/problem+json")
        .body("status", equalTo(status))
        .body("type", equalTo("about:blank"));
  }

  @Test
  void unknownModelNamesInPathsAreNotFound() {
    given()
        .get("/v1/models/flat")
        .then()
        .statusCode(200)
        .body("methods", equalTo(List.of("msp", "maxlogit", "energy", "odin", "gen")));
    given()
        .get("/v1/models/missing")
        .then()
        .statusCode(404)
        .contentType("application/problem+json");
  }
}
