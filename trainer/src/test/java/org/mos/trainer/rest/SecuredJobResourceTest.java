package org.mos.trainer.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mos.common.io.AtomicFiles;
import org.mos.trainer.data.TinyImages;

/**
 * The job service with authentication on ({@code mos.auth.*}) and its paths confined to one job
 * root ({@code trainer.job-roots}): 401 without the token, health and metrics open, 400 for every
 * path that leaves the root.
 */
@QuarkusTest
@TestProfile(SecuredJobResourceTest.Secured.class)
class SecuredJobResourceTest {

  static final String TOKEN = "trainer-test-token-0123456789";
  static final Path BASE = Path.of("target/secured-job-test").toAbsolutePath();
  static final Path ROOT = BASE.resolve("root");
  static final Path OUTSIDE = BASE.resolve("outside");

  /** Auth on with one static token; the only job root is ROOT (plus the work folder). */
  public static class Secured implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      try {
        AtomicFiles.deleteTree(BASE);
        TinyImages.folder(ROOT.resolve("images"), 1);
        TinyImages.folder(OUTSIDE.resolve("images"), 1);
        Files.createSymbolicLink(ROOT.resolve("escape"), OUTSIDE);
        Files.createSymbolicLink(ROOT.resolve("dangling"), OUTSIDE.resolve("missing"));
        // a list file inside the root that names an image outside it
        String outsideImage =
            Files.list(OUTSIDE.resolve("images/a_top")).findFirst().orElseThrow().toString();
        Files.writeString(ROOT.resolve("list.txt"), outsideImage + " 0\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return Map.of(
          "mos.auth.enabled",
          "true",
          "mos.auth.tokens",
          TOKEN,
          "trainer.job-roots",
          ROOT.toString());
    }
  }

  private static Map<String, Object> job(String train, String out) {
    Map<String, Object> spec = new HashMap<>();
    spec.put("train", train);
    spec.put("arch", "R50x1");
    spec.put("units", List.of(1, 1, 1, 1));
    spec.put("baseWidth", 32);
    spec.put("resize", 18);
    spec.put("crop", 16);
    spec.put("mode", "flat");
    spec.put("steps", 1);
    spec.put("batch", 4);
    spec.put("threads", 1);
    if (out != null) {
      spec.put("out", out);
    }
    return spec;
  }

  private static ValidatableResponse submit(Map<String, Object> spec) {
    return given()
        .auth()
        .oauth2(TOKEN)
        .contentType(ContentType.JSON)
        .body(spec)
        .post("/v1/jobs")
        .then();
  }

  private static void refused(Map<String, Object> spec, String path, String why) {
    submit(spec)
        .statusCode(400)
        .contentType("application/problem+json")
        .body("title", equalTo("Path outside the job roots"))
        .body(
            "detail",
            allOf(
                containsString(path),
                containsString(why),
                containsString("[" + realRoot() + ", "),
                containsString("trainer.job-roots")));
  }

  private static Path realRoot() {
    try {
      return ROOT.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void callsWithoutTheTokenGet401WithAProblem() {
    given()
        .get("/v1/jobs")
        .then()
        .statusCode(401)
        .contentType("application/problem+json")
        .header("WWW-Authenticate", "Bearer realm=\"mos\"")
        .body("detail", containsString("needs a bearer token"));
    given()
        .contentType(ContentType.JSON)
        .body(job(ROOT.resolve("images").toString(), null))
        .post("/v1/jobs")
        .then()
        .statusCode(401);
    given()
        .auth()
        .oauth2(TOKEN + "x")
        .get("/v1/jobs")
        .then()
        .statusCode(401)
        .contentType("application/problem+json")
        .body("detail", containsString("not accepted"));
    given().auth().oauth2(TOKEN).get("/v1/jobs").then().statusCode(200);
  }

  @Test
  void healthAndMetricsStayOpen() {
    given().get("/q/health/live").then().statusCode(200);
    given().get("/q/health/ready").then().statusCode(200);
    given().get("/q/metrics").then().statusCode(200).body(containsString("trainer_jobs"));
  }

  @Test
  void pathsOutsideTheRootsAreRefusedWith400NamingPathAndRoots() {
    String outsideImages = OUTSIDE.resolve("images").toString();
    refused(job(outsideImages, null), outsideImages, "is outside the job roots");
    String climbing = ROOT.resolve("images/../../outside/images").toString();
    refused(job(climbing, null), climbing, "'..' segment");
    String escape = ROOT.resolve("escape/images").toString();
    refused(job(escape, null), escape, "resolves to " + OUTSIDE.resolve("images"));
    String images = ROOT.resolve("images").toString();
    refused(job(images, "/etc/mos-out"), "/etc/mos-out", "is outside the job roots");
    String escapingOut = ROOT.resolve("escape/new-out").toString();
    refused(job(images, escapingOut), escapingOut, "resolves to " + OUTSIDE.resolve("new-out"));
    String dangling = ROOT.resolve("dangling/out").toString();
    refused(job(images, dangling), dangling, "target does not exist");
    refused(job(ROOT.resolve("list.txt").toString(), null), OUTSIDE.toString(), "named by train");
  }

  @Test
  void pathsInsideTheRootsAreAccepted() {
    String id =
        submit(job(ROOT.resolve("images").toString(), ROOT.resolve("runs/one").toString()))
            .statusCode(202)
            .body("state", equalTo("queued"))
            .extract()
            .path("id");
    given().auth().oauth2(TOKEN).delete("/v1/jobs/" + id).then().statusCode(202);
  }
}
