package org.mos.scorer.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mos.scorer.TestBundles;
import org.mos.scorer.grpc.v1.ListModelsRequest;
import org.mos.scorer.grpc.v1.ModelInfo;
import org.mos.scorer.grpc.v1.ScorerGrpc;

/**
 * {@code mos.auth.enabled=true}: REST (/v1, /v2) and gRPC need one of the static tokens (one from
 * {@code mos.auth.tokens}, one from {@code mos.auth.token-file}); health and metrics stay open.
 */
@QuarkusTest
@TestProfile(AuthOnResourceTest.AuthOn.class)
@WithTestResource(TestBundles.class)
class AuthOnResourceTest {

  static final String CONFIG_TOKEN = "config-token-0123456789abcdef";
  static final String FILE_TOKEN = "file-token-fedcba9876543210";

  /** Authentication on, one token in the configuration and one in a token file. */
  public static class AuthOn implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      Path file = Path.of("target/auth-test/token");
      try {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "# the test Secret\n" + FILE_TOKEN + "\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return Map.of(
          "mos.auth.enabled",
          "true",
          "mos.auth.tokens",
          CONFIG_TOKEN,
          "mos.auth.token-file",
          file.toString());
    }
  }

  @GrpcClient("scorer")
  ScorerGrpc.ScorerBlockingStub grpc;

  private static ValidatableResponse unauthorized(ValidatableResponse r, String why) {
    return r.statusCode(401)
        .contentType("application/problem+json")
        .header("WWW-Authenticate", "Bearer realm=\"mos\"")
        .body("status", equalTo(401))
        .body("title", equalTo("Unauthorized"))
        .body("detail", containsString(why));
  }

  @Test
  void callsWithoutATokenAreRefusedWith401AndAProblem() {
    String why = "needs a bearer token";
    unauthorized(given().get("/v1/models").then(), why);
    unauthorized(given().get("/v1/models/flat").then(), why);
    unauthorized(given().get("/v2/models/flat").then(), why);
    unauthorized(given().get("/v2/health/ready").then(), why);
    unauthorized(
        given()
            .contentType("image/png")
            .body(TestBundles.png(0, 0, 0))
            .post("/v1/models/flat/score")
            .then(),
        why);
    unauthorized(
        given().header("Authorization", "Basic dXNlcjpwYXNz").get("/v1/models").then(), why);
  }

  @Test
  void callsWithAWrongTokenAreRefusedWith401AndAProblem() {
    String why = "not accepted";
    for (String wrong :
        List.of(CONFIG_TOKEN + "x", CONFIG_TOKEN.substring(1), "another-token-of-good-length")) {
      unauthorized(given().auth().oauth2(wrong).get("/v1/models").then(), why);
      unauthorized(
          given()
              .auth()
              .oauth2(wrong)
              .contentType("image/png")
              .body(TestBundles.png(0, 0, 0))
              .post("/v1/models/flat/score")
              .then(),
          why);
    }
  }

  @Test
  void callsWithEitherTokenAreServed() {
    for (String token : List.of(CONFIG_TOKEN, FILE_TOKEN)) {
      given()
          .auth()
          .oauth2(token)
          .get("/v1/models")
          .then()
          .statusCode(200)
          .body("name", equalTo(List.of("broken", "flat", "grouped", "maha")));
      given().auth().oauth2(token).get("/v2/models/flat").then().statusCode(200);
      // black image: (-1, -1, -1) -> logits (-0.5, -2, 1.25): maxlogit 1.25
      float maxlogit =
          given()
              .auth()
              .oauth2(token)
              .contentType("image/png")
              .body(TestBundles.png(0, 0, 0))
              .post("/v1/models/flat/score?methods=maxlogit")
              .then()
              .statusCode(200)
              .extract()
              .path("images[0].scores.maxlogit");
      assertThat(maxlogit).isEqualTo(1.25f);
    }
  }

  @Test
  void theConsolesStaticFilesLoadWithoutATokenButItsApiCallsNeedOne() {
    given().get("/").then().statusCode(200).body(containsString("auth-token"));
    given().get("/console.js").then().statusCode(200).body(containsString("Authorization"));
    unauthorized(given().get("/v1/models/grouped/calibration").then(), "needs a bearer token");
  }

  @Test
  void healthAndMetricsStayOpen() {
    given().get("/q/health/live").then().statusCode(200);
    given().get("/q/health/ready").then().statusCode(200);
    given().get("/q/health").then().statusCode(200);
    given().get("/q/metrics").then().statusCode(200).body(containsString("jvm_"));
  }

  private static ScorerGrpc.ScorerBlockingStub withAuthorization(
      ScorerGrpc.ScorerBlockingStub stub, String value) {
    Metadata md = new Metadata();
    md.put(GrpcAuthInterceptor.AUTHORIZATION, value);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
  }

  @Test
  void grpcCallsNeedAnAcceptedToken() {
    ListModelsRequest list = ListModelsRequest.getDefaultInstance();
    assertThatThrownBy(() -> grpc.listModels(list))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(e.getStatus().getDescription()).contains("needs a bearer token");
            });
    assertThatThrownBy(() -> withAuthorization(grpc, "Bearer " + FILE_TOKEN + "x").listModels(list))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(e.getStatus().getDescription()).contains("not accepted");
            });
    for (String token : List.of(CONFIG_TOKEN, FILE_TOKEN)) {
      List<String> names =
          withAuthorization(grpc, "Bearer " + token).listModels(list).getModelsList().stream()
              .map(ModelInfo::getName)
              .toList();
      assertThat(names).containsExactly("flat", "grouped", "maha");
    }
  }
}
