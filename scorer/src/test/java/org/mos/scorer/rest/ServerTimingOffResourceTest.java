package org.mos.scorer.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mos.scorer.TestBundles;

/** {@code scorer.server-timing=false}: responses carry no internal timings. */
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
