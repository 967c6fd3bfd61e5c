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
import org.junit.jupiter.api.Test;
import org.mos.scorer.TestBundles;

/** The KServe v2 endpoints on the linear test bundles (input 3 x 4 x 4). */
@QuarkusTest
@WithTestResource(TestBundles.class)
class KServeResourceTest {

  /** A [n, 3, 4, 4] tensor whose channels are constant: channel c of image i = values[i][c]. */
  private static String tensor(double[][] values, String datatype) {
    StringBuilder data = new StringBuilder();
    for (double[] image : values) {
      for (int c = 0; c < 3; c++) {
        for (int p = 0; p < 16; p++) {
          data.append(data.length() == 0 ? "" : ",").append(image[c]);
        }
      }
    }
    return "{\"id\":\"r1\",\"inputs\":[{\"name\":\"input\",\"shape\":["
        + values.length
        + ",3,4,4],\"datatype\":\""
        + datatype
        + "\",\"data\":["
        + data
        + "]}]}";
  }

  @Test
  void infersLogitsAndScoresOfPreprocessedTensors() {
    JsonPath r =
        given()
            .contentType("application/json")
            .body(tensor(new double[][] {{0.5, 0.25, -1}, {0, 0, 0}}, "FP32"))
            .post("/v2/models/flat/infer")
            .then()
            .statusCode(200)
            .body("model_name", equalTo("flat"))
            .body("id", equalTo("r1"))
            .header("Server-Timing", containsString("infer;dur="))
            .extract()
            .jsonPath();
    // f = (0.5, 0.25, -1): logits (0.5 + 0.5, 2 * 0.25, 1 + 0.25) = (1, 0.5, 1.25); f = 0: bias
    List<Float> logits = r.getList("outputs.find { it.name == 'logits' }.data", Float.class);
    float[] expected = {1f, 0.5f, 1.25f, 0.5f, 0f, 0.25f};
    assertThat(logits).hasSize(6);
    for (int i = 0; i < 6; i++) {
      assertThat(logits.get(i)).isCloseTo(expected[i], within(1e-5f));
    }
    assertThat(r.getList("outputs.find { it.name == 'logits' }.shape", Integer.class))
        .containsExactly(2, 3);
    assertThat(r.getList("outputs.find { it.name == 'predicted_class' }.data", Integer.class))
        .containsExactly(2, 0);
    assertThat(r.getList("outputs.find { it.name == 'maxlogit' }.data", Float.class))
        .satisfiesExactly(
            v -> assertThat(v).isCloseTo(1.25f, within(1e-5f)),
            v -> assertThat(v).isCloseTo(0.5f, within(1e-5f)));
  }

  @Test
  void refusesBadTensorsWith400AndTheProtocolsErrorBodyAndKeepsServing() {
    // the Open Inference Protocol answers a bad request with 400 and {"error": "..."}
    given()
        .contentType("application/json")
        .body(tensor(new double[][] {{0, 0, 0}}, "INT8"))
        .post("/v2/models/flat/infer")
        .then()
        .statusCode(400)
        .contentType("application/json")
        .body("error", containsString("FP32"));
    String wrongShape =
        tensor(new double[][] {{0, 0, 0}}, "FP32").replace("[1,3,4,4]", "[1,3,2,8]");
    given()
        .contentType("application/json")
        .body(wrongShape)
        .post("/v2/models/flat/infer")
        .then()
        .statusCode(400)
        .body("error", containsString("square"));
    String sized = tensor(new double[][] {{0, 0, 0}}, "FP32").replace("[1,3,4,4]", "[1,3,5,5]");
    given()
        .contentType("application/json")
        .body(sized)
        .post("/v2/models/flat/infer")
        .then()
        .statusCode(400)
        .body("error", containsString("needs 75"));
    String nan = tensor(new double[][] {{0, 0, 0}}, "FP32").replaceFirst("0\\.0", "NaN");
    given()
        .contentType("application/json")
        .body(nan)
        .post("/v2/models/flat/infer")
        .then()
        .statusCode(400)
        .body("error", containsString("NaN"));
    given()
        .contentType("application/json")
        .body("{\"inputs\": [")
        .post("/v2/models/flat/infer")
        .then()
        .statusCode(400)
        .contentType("application/json")
        .body("error", containsString("JSON"));
    given()
        .contentType("application/json")
        .body(tensor(new double[][] {{0, 0, 0}}, "FP32"))
        .post("/v2/models/nope/infer")
        .then()
        .statusCode(404)
        .body("error", containsString("nope"));
    given()
        .contentType("application/json")
        .body(tensor(new double[][] {{0, 0, 0}}, "FP32"))
        .post("/v2/models/flat/infer")
        .then()
        .statusCode(200);
  }

  @Test
  void servesV2MetadataAndReadiness() {
    given()
        .get("/v2/models/grouped")
        .then()
        .statusCode(200)
        .body("inputs[0].shape", equalTo(List.of(-1, 3, 4, 4)))
        .body("outputs.name", org.hamcrest.Matchers.hasItems("logits", "mos", "predicted_class"));
    given().get("/v2/models/grouped/ready").then().statusCode(200).body("ready", equalTo(true));
    given().get("/v2/models/nope/ready").then().statusCode(404);
    given().get("/v2/health/ready").then().statusCode(200).body("ready", equalTo(true));
    given().get("/v2/health/live").then().statusCode(200);
  }

  @Test
  void answersEveryV2ErrorWithTheProtocolsErrorBodyNotAProblemDocument() {
    for (var r :
        List.of(
            given().get("/v2/models/flat/nonsense"),
            given().get("/v2/models/flat/infer"),
            given().contentType("text/plain").body("x").post("/v2/models/flat/infer"),
            given().get("/v2/models/flat/versions/000000000000"))) {
      r.then()
          .statusCode(org.hamcrest.Matchers.oneOf(404, 405, 415))
          .contentType("application/json")
          .body("error", org.hamcrest.Matchers.not(org.hamcrest.Matchers.emptyString()))
          .body("size()", equalTo(1));
    }
    // the rest of the service keeps its problem documents
    given().get("/v1/models/nope").then().statusCode(404).contentType("application/problem+json");
  }

  @Test
  void servesTheVersionedUrlsOfTheCurrentVersionOnly() {
    String version = given().get("/v2/models/flat").then().extract().path("versions[0]");
    assertThat(version).hasSize(12);
    given()
        .get("/v2/models/flat/versions/" + version + "/ready")
        .then()
        .statusCode(200)
        .body("ready", equalTo(true));
    given()
        .contentType("application/json")
        .body(tensor(new double[][] {{0, 0, 0}}, "FP32"))
        .post("/v2/models/flat/versions/" + version + "/infer")
        .then()
        .statusCode(200)
        .body("model_version", equalTo(version));
    given()
        .get("/v2/models/flat/versions/ffffffffffff/ready")
        .then()
        .statusCode(404)
        .body("error", containsString(version));
  }

  @Test
  void reportsABundleThatFailedToLoadAsNotReady() {
    given()
        .get("/v2/models/broken/ready")
        .then()
        .statusCode(503)
        .body("name", equalTo("broken"))
        .body("ready", equalTo(false));
  }
}
