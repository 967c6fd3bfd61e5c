package org.mos.trainer.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mos.trainer.data.TinyImages;

@QuarkusTest
class JobResourceTest {

  private static Path images;

  @BeforeAll
  static void writeImages() throws Exception {
    images = Files.createTempDirectory("job-resource-images");
    TinyImages.folder(images, 2);
  }

  private static Map<String, Object> tinyJob(int steps) {
    return Map.ofEntries(
        Map.entry("train", images.toString()),
        Map.entry("val", images.toString()),
        Map.entry("arch", "R50x1"),
        Map.entry("units", List.of(1, 1, 1, 1)),
        Map.entry("baseWidth", 32),
        Map.entry("resize", 18),
        Map.entry("crop", 16),
        Map.entry("mode", "group"),
        Map.entry("groups", "2,2"),
        Map.entry("steps", steps),
        Map.entry("batch", 4),
        Map.entry("batchSplit", 2),
        Map.entry("baseLr", 0.05),
        Map.entry("numBlockOpen", 1),
        Map.entry("threads", 1),
        Map.entry("logEvery", 1),
        Map.entry("checkpointEvery", 2),
        Map.entry("valEvery", 3));
  }

  private static String submit(Map<String, Object> spec) {
    return given()
        .contentType(ContentType.JSON)
        .body(spec)
        .post("/v1/jobs")
        .then()
        .statusCode(202)
        .body("state", equalTo("queued"))
        .extract()
        .path("id");
  }

  private static JsonPath await(String id, String state) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    JsonPath job = null;
    while (System.nanoTime() < end) {
      job = given().get("/v1/jobs/" + id).then().statusCode(200).extract().jsonPath();
      if (state.equals(job.getString("state"))) {
        return job;
      }
      assertThat(job.getString("state")).as(job.prettify()).isNotIn("failed");
      Thread.sleep(200);
    }
    throw new AssertionError("job " + id + " not " + state + ": " + job.prettify());
  }

  @Test
  void aTinyJobRunsToSuccessWithCheckpointsMetricsAndEvents() throws Exception {
    String id = submit(tinyJob(3));
    JsonPath job = await(id, "succeeded");
    assertThat(job.getInt("step")).isEqualTo(3);
    assertThat(job.getList("checkpoints", Integer.class)).containsExactly(2, 3);
    assertThat(job.getDouble("accuracy")).isBetween(0.0, 1.0);
    Path out = Path.of(job.getString("spec.out"));
    assertThat(Path.of(job.getString("checkpoint"))).isEqualTo(out.resolve("checkpoint.npz"));
    assertThat(out.resolve("checkpoint.npz")).isRegularFile();
    List<String> metrics = Files.readAllLines(out.resolve("metrics.jsonl"));
    assertThat(metrics).hasSize(3);
    assertThat(metrics.get(2)).contains("\"step\":3").contains("\"val_top1\"");

    // a finished job's event stream sends its state and ends
    String events =
        given().accept("text/event-stream").get("/v1/jobs/" + id + "/events").asString();
    assertThat(events).contains("\"state\":\"succeeded\"").contains("\"step\":3");

    given().get("/v1/jobs").then().statusCode(200).body("id", org.hamcrest.Matchers.hasItem(id));
    given()
        .get("/q/metrics")
        .then()
        .statusCode(200)
        .body(containsString("trainer_jobs{state=\"succeeded\""))
        .body(containsString("trainer_steps_total"));
  }

  @Test
  void aLongJobCanBeCancelled() throws Exception {
    String id = submit(tinyJob(10_000));
    given().delete("/v1/jobs/" + id).then().statusCode(202).body("id", equalTo(id));
    JsonPath job = await(id, "cancelled");
    assertThat(job.getInt("step")).isLessThan(10_000);
  }

  @Test
  void anInvalidSpecIsABadRequestWithTheReason() {
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("mode", "group", "groups", "2,2"))
        .post("/v1/jobs")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("status", equalTo(400))
        .body("detail", containsString("train is required"));
    Map<String, Object> typo = new java.util.HashMap<>(tinyJob(3));
    typo.put("stepz", 5);
    given()
        .contentType(ContentType.JSON)
        .body(typo)
        .post("/v1/jobs")
        .then()
        .statusCode(400)
        .body("detail", containsString("unknown field(s) [stepz]"));
    Map<String, Object> missing = new java.util.HashMap<>(tinyJob(3));
    missing.put("train", images.resolve("nowhere").toString());
    given()
        .contentType(ContentType.JSON)
        .body(missing)
        .post("/v1/jobs")
        .then()
        .statusCode(400)
        .body("detail", containsString("nowhere does not exist"));
  }

  @Test
  void anUnknownJobIsNotFound() {
    given()
        .get("/v1/jobs/nosuchjob")
        .then()
        .statusCode(404)
        .contentType("application/problem+json");
  }

  @Test
  void healthIsUpWithTheWorkFolder() {
    given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
  }
}
