package org.mos.scorer.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.nullValue;

import com.google.protobuf.ByteString;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mos.scorer.TestBundles;
import org.mos.scorer.grpc.v1.Image;
import org.mos.scorer.grpc.v1.ScoreRequest;
import org.mos.scorer.grpc.v1.Scorer;

/** {@code scorer.server-timing=false}: REST and gRPC responses carry no internal timings. */
@QuarkusTest
@TestProfile(ServerTimingOffResourceTest.Off.class)
@WithTestResource(TestBundles.class)
class ServerTimingOffResourceTest {

  /** Server timing off. */
  public static class Off implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("scorer.server-timing", "false");
    }
  }

  @GrpcClient("scorer")
  Scorer client;

  @Test
  void grpcScoreResponsesHaveNoTiming() {
    ScoreRequest request =
        ScoreRequest.newBuilder()
            .setModel("flat")
            .addMethods("maxlogit")
            .addImages(
                Image.newBuilder().setEncoded(ByteString.copyFrom(TestBundles.png(255, 0, 51))))
            .build();
    assertThat(client.score(request).await().atMost(Duration.ofSeconds(30)).hasTiming()).isFalse();
  }

  @Test
  void scoreResponsesHaveNoServerTimingHeader() {
    given()
        .contentType("image/png")
        .body(TestBundles.png(255, 0, 51))
        .post("/v1/models/flat/score?methods=maxlogit")
        .then()
        .statusCode(200)
        .header("Server-Timing", nullValue());
  }
}
