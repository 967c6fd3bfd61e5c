package org.mos.scorer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.mos.common.bundle.ModelBundle;
import org.mos.common.inference.BundleModel;
import org.mos.common.inference.BundleScorer;
import org.mos.common.inference.ImageResult;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.inference.InputBatch;
import org.mos.common.inference.ScoreRequest;
import org.mos.scorer.grpc.v1.Decision;
import org.mos.scorer.grpc.v1.Image;
import org.mos.scorer.grpc.v1.ScoreResponse;
import org.mos.scorer.grpc.v1.Scorer;
import org.mos.scorer.messaging.KafkaBroker;
import org.mos.scorer.messaging.KafkaScoringTest;

/**
 * The modern methods served on every transport (own REST API, gRPC, KServe v2, the Kafka consumer)
 * by a bundle fitted for ReAct, DICE, KNN and ViM with calibration scores ({@link ModernBundles}):
 * each transport's scores equal {@link BundleScorer}'s for the same image, and the calibrated
 * methods' thresholds and p-values at the request's TPR are those of the bundle's calibration.
 */
@QuarkusTest
@WithTestResource(ModernBundles.class)
@WithTestResource(KafkaBroker.class)
class ModernMethodsResourceTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  /** Shaping, MOS after shaping, KNN with the fitted and a requested K, ViM, GEN. */
  private static final List<String> METHODS =
      List.of("react", "ash-s@p=85", "mos+react", "knn", "knn@k=5", "vim", "gen");

  private static final int[] RED = {255, 0, 51};
  private static final int[] TEAL = {20, 180, 160};

  /** A TPR other than the default 0.95, so that a transport that drops it is caught. */
  private static final double TPR = 0.5;

  @GrpcClient("scorer")
  Scorer client;

  /** What {@link BundleScorer} gives for the image, in-process, on the same bundle. */
  private static ImageResult expected(int[] rgb) throws Exception {
    try (ModelBundle bundle = ModelBundle.open(ModernBundles.bundleDir());
        BundleModel model = BundleModel.open(bundle, InferenceOptions.cpu())) {
      InputBatch batch = model.newInputBatch(1);
      batch.put(0, ModernBundles.solid(rgb[0], rgb[1], rgb[2]));
      return BundleScorer.of(bundle)
          .score(model, batch, 1, new ScoreRequest(METHODS, TPR, 0, false, false))
          .images()
          .get(0);
    }
  }

  private static byte[] png(int[] rgb) {
    return TestBundles.png(rgb[0], rgb[1], rgb[2]);
  }

  @Test
  void theBundleCarriesCalibrationForEveryModernMethodAndKnnServesBothKs() throws Exception {
    ImageResult e = expected(RED);
    assertThat(e.scores()).containsOnlyKeys(METHODS);
    assertThat(e.decisions()).containsOnlyKeys(METHODS);
    // a larger K reaches a farther neighbour: a lower score
    assertThat(e.scores().get("knn@k=5")).isLessThan(e.scores().get("knn"));
    assertThat(e.scores().get("mos+react")).isNotEqualTo(e.scores().get("react"));
  }

  @Test
  void restScoresEqualTheBundleScorersWithThresholdsAtTheRequestedTpr() throws Exception {
    for (int[] colour : List.of(RED, TEAL)) {
      ImageResult e = expected(colour);
      JsonPath r =
          given()
              .contentType("image/png")
              .body(png(colour))
              .queryParam("methods", String.join(",", METHODS))
              .queryParam("tpr", TPR)
              .post("/v1/models/" + ModernBundles.MODEL + "/score")
              .then()
              .statusCode(200)
              .extract()
              .jsonPath()
              // numbers as doubles: the thresholds are compared exactly
              .using(new JsonPathConfig(JsonPathConfig.NumberReturnType.DOUBLE));
      Map<String, Object> scores = r.getMap("images[0].scores");
      Map<String, Map<String, Object>> decisions = r.getMap("images[0].decisions");
      assertThat(scores).containsOnlyKeys(METHODS);
      assertThat(decisions).containsOnlyKeys(METHODS);
      for (String m : METHODS) {
        assertThat(((Number) scores.get(m)).doubleValue())
            .as(m)
            .isCloseTo(e.scores().get(m), within(1e-6));
        ImageResult.Decision d = e.decisions().get(m);
        assertThat(((Number) decisions.get(m).get("threshold")).doubleValue())
            .as(m)
            .isEqualTo(d.threshold());
        assertThat(((Number) decisions.get(m).get("pValue")).doubleValue())
            .as(m)
            .isEqualTo(d.pValue());
        assertThat(((Number) decisions.get(m).get("tpr")).doubleValue()).isEqualTo(d.tpr());
      }
    }
  }

  @Test
  void aKnnKOutsideTheBankIsRefusedWith400NamingTheRange() {
    given()
        .contentType("image/png")
        .body(png(RED))
        .queryParam("methods", "knn@k=" + (ModernBundles.FIT_IMAGES + 1))
        .post("/v1/models/" + ModernBundles.MODEL + "/score")
        .then()
        .statusCode(400)
        .body(
            "detail",
            org.hamcrest.Matchers.containsString(
                "but the bank has " + ModernBundles.FIT_IMAGES + " rows"));
  }

  @Test
  void grpcScoresEqualTheBundleScorersWithDecisions() throws Exception {
    ImageResult e = expected(TEAL);
    ScoreResponse r =
        client
            .score(
                org.mos.scorer.grpc.v1.ScoreRequest.newBuilder()
                    .setModel(ModernBundles.MODEL)
                    .addImages(image(TEAL))
                    .addAllMethods(METHODS)
                    .setTpr(TPR)
                    .build())
            .await()
            .atMost(WAIT);
    assertResponse(r, e);
  }

  @Test
  void kserveOutputsNameEveryRequestedMethodWithTheBundleScorersScores() throws Exception {
    ImageResult e = expected(RED);
    StringBuilder data = new StringBuilder();
    for (int c = 0; c < 3; c++) {
      // the scorer's normalisation of a solid colour: (v / 255 - 0.5) / 0.5
      double v = (RED[c] / 255.0 - 0.5) / 0.5;
      for (int p = 0; p < 16; p++) {
        data.append(data.length() == 0 ? "" : ",").append((float) v);
      }
    }
    String body =
        "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,4,4],\"datatype\":\"FP32\",\"data\":["
            + data
            + "]}],\"parameters\":{\"methods\":\""
            + String.join(",", METHODS)
            + "\"}}";
    JsonPath r =
        given()
            .contentType("application/json")
            .body(body)
            .post("/v2/models/" + ModernBundles.MODEL + "/infer")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    List<String> names = r.getList("outputs.name", String.class);
    assertThat(names).containsAll(METHODS);
    for (String m : METHODS) {
      List<Double> v = r.getList("outputs.find { it.name == '" + m + "' }.data", Double.class);
      assertThat(v).as(m).hasSize(1);
      assertThat(v.get(0)).as(m).isCloseTo(e.scores().get(m), within(1e-5));
    }
  }

  @Test
  void kafkaRepliesCarryTheBundleScorersScoresAndHonourTheRequestsTpr() throws Exception {
    ImageResult e = expected(RED);
    try (KafkaProducer<String, byte[]> producer = KafkaScoringTest.producer()) {
      producer.send(
          KafkaScoringTest.rec(
              org.mos.scorer.grpc.v1.ScoreRequest.newBuilder()
                  .setRequestId("modern/0")
                  .setModel(ModernBundles.MODEL)
                  .addImages(image(RED))
                  .addAllMethods(METHODS)
                  .setTpr(TPR)
                  .build()));
      producer.flush();
    }
    var replies = KafkaScoringTest.readReplies(Set.of("modern/0"));
    assertThat(replies).containsKey("modern/0");
    assertResponse(ScoreResponse.parseFrom(replies.get("modern/0").value()), e);
  }

  private static void assertResponse(ScoreResponse r, ImageResult e) {
    assertThat(r.hasError()).as(r.getError().getDetail()).isFalse();
    Map<String, Double> scores = r.getImages(0).getScoresMap();
    Map<String, Decision> decisions = r.getImages(0).getDecisionsMap();
    assertThat(scores).containsOnlyKeys(METHODS);
    assertThat(decisions).containsOnlyKeys(METHODS);
    for (String m : METHODS) {
      assertThat(scores.get(m)).as(m).isCloseTo(e.scores().get(m), within(1e-6));
      ImageResult.Decision d = e.decisions().get(m);
      assertThat(decisions.get(m).getTpr()).as(m).isEqualTo(d.tpr());
      assertThat(decisions.get(m).getThreshold()).as(m).isEqualTo(d.threshold());
      assertThat(decisions.get(m).getPValue()).as(m).isEqualTo(d.pValue());
    }
  }

  private static Image image(int[] rgb) {
    return Image.newBuilder().setEncoded(ByteString.copyFrom(png(rgb))).build();
  }
}
