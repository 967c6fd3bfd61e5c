package org.mos.scorer.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mos.scorer.hostile.Hostile.RED;
import static org.mos.scorer.hostile.Hostile.assertProblem;
import static org.mos.scorer.hostile.Hostile.assertStillServes;
import static org.mos.scorer.hostile.Hostile.multipart;
import static org.mos.scorer.hostile.Hostile.png;
import static org.mos.scorer.hostile.Hostile.post;
import static org.mos.scorer.hostile.Hostile.send;
import static org.mos.scorer.hostile.Hostile.uri;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mos.common.testkit.ImageBombs;
import org.mos.scorer.TestBundles;

/**
 * The hostile-input suite of the scorer's {@code /v1} REST API: image bombs (headers claiming huge
 * images, made by {@link ImageBombs}), truncated and polyglot files, malformed multipart, wrong
 * methods and media types, bad parameters, traversal in model names, bodies and URLs over the
 * limits. Every case asserts the status, a problem document naming the cause (and no Java class
 * name), and that a good request is still scored right after it. Limits are the {@code %test} ones
 * of application.properties: 1 MiB bodies, 100000-byte images, 4 images, 4000000 pixels, 8 parts,
 * 2048-character URLs.
 */
@QuarkusTest
@WithTestResource(TestBundles.class)
class HostileInputResourceTest {

  private static final String SCORE = "/v1/models/flat/score";

  private static Arguments refused(
      String name, Supplier<HttpRequest> request, int status, String... named) {
    return Arguments.of(name, request, status, named);
  }

  static Stream<Arguments> cases() {
    byte[] realPng = ImageBombs.solidPng(16, 16);
    byte[] jpeg = ImageBombs.jpeg(16, 16);
    String over = "max-image-pixels";
    return Stream.of(
        // image bombs: a few hundred bytes claiming billions of pixels, refused from the header
        refused(
            "PNG bomb 100k x 100k",
            () -> png(SCORE, ImageBombs.png(100_000, 100_000)),
            413,
            "PNG",
            "100000 x 100000",
            over),
        refused(
            "JPEG bomb 65535 x 65535",
            () -> png(SCORE, ImageBombs.jpeg(65_535, 65_535)),
            413,
            "JPEG",
            "65535 x 65535",
            over),
        refused(
            "GIF bomb 65535 x 65535",
            () -> png(SCORE, ImageBombs.gif(65_535, 65_535)),
            413,
            "GIF",
            over),
        refused(
            "BMP bomb 40k x 40k",
            () -> png(SCORE, ImageBombs.bmp(40_000, 40_000)),
            413,
            "BMP",
            "40000 x 40000",
            over),
        refused(
            "PNG bomb 100k x 1 (wide)",
            () -> png(SCORE, ImageBombs.png(100_000_000, 1)),
            413,
            over),
        refused(
            "PNG bomb in a multipart part",
            () -> multipart(SCORE, List.of(RED, ImageBombs.png(100_000, 100_000))),
            413,
            "part 'p1.png'",
            over),
        refused(
            "real PNG one row over the pixel limit",
            () -> png(SCORE, ImageBombs.solidPng(2000, 2001)),
            413,
            "4002000 pixels",
            over),
        // truncated, corrupt and polyglot files
        refused(
            "PNG cut inside its header",
            () -> png(SCORE, Arrays.copyOf(realPng, 20)),
            400,
            "cannot decode"),
        refused(
            "PNG cut after its header",
            () -> png(SCORE, Arrays.copyOf(realPng, 45)),
            400,
            "cannot decode"),
        refused(
            "JPEG cut in half",
            () -> png(SCORE, Arrays.copyOf(jpeg, jpeg.length / 2)),
            400,
            "cannot decode"),
        refused(
            "PNG header claiming 0 x 5",
            () -> png(SCORE, ImageBombs.png(0, 5)),
            400,
            "cannot decode"),
        refused(
            "PNG signature followed by a JPEG",
            () -> png(SCORE, concat(Arrays.copyOf(realPng, 8), jpeg)),
            400,
            "cannot decode"),
        refused(
            "JSON sent as image/png",
            () -> png(SCORE, "{\"images\": [1, 2]}".getBytes()),
            400,
            "not a recognised image format"),
        refused(
            "HTML with a script sent as image/jpeg",
            () -> post(SCORE, "image/jpeg", "<html><script>alert(1)</script>"),
            400,
            "not a recognised image format"),
        refused(
            "PDF header before a PNG",
            () -> png(SCORE, concat("%PDF-1.7\n".getBytes(), realPng)),
            400,
            "not a recognised image format"),
        refused("empty body", () -> png(SCORE, new byte[0]), 400, "empty"),
        // sizes
        refused(
            "body over max-body-bytes",
            () -> png(SCORE, new byte[1_048_577]),
            413,
            "1048577 bytes",
            "max-body-bytes"),
        refused(
            "part over max-image-bytes",
            () -> multipart(SCORE, List.of(new byte[100_001])),
            413,
            "100001 bytes",
            "max-image-bytes"),
        refused(
            "more parts than max-multipart-parts",
            () -> multipart(SCORE, Collections.nCopies(9, RED)),
            413,
            "9 parts",
            "max-multipart-parts"),
        refused(
            "more images than max-images",
            () -> multipart(SCORE, Collections.nCopies(5, RED)),
            413,
            "5 images",
            "max-images"),
        refused(
            "URL over max-url-length",
            () -> get(SCORE + "?methods=" + "m".repeat(3000)),
            414,
            "max-url-length"),
        // methods and media types
        refused("GET on score", () -> get(SCORE), 405, "GET", "POST"),
        refused(
            "PUT on score",
            () ->
                HttpRequest.newBuilder(uri(SCORE))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(RED))
                    .header("Content-Type", "image/png")
                    .build(),
            405,
            "PUT",
            "POST"),
        refused(
            "DELETE on the model list",
            () -> HttpRequest.newBuilder(uri("/v1/models")).DELETE().build(),
            405,
            "DELETE",
            "GET"),
        refused(
            "POST on a model", () -> post("/v1/models/flat", "image/png", RED), 405, "POST", "GET"),
        refused("no Content-Type", () -> post(SCORE, null, RED), 415, "no Content-Type"),
        refused("text/plain", () -> post(SCORE, "text/plain", "hello"), 415, "'text/plain'"),
        refused(
            "application/json on /v1",
            () -> post(SCORE, "application/json", "{\"a\": 1}"),
            415,
            "'application/json'"),
        refused(
            "XML only accepted",
            () ->
                HttpRequest.newBuilder(uri("/v1/models"))
                    .header("Accept", "application/xml")
                    .GET()
                    .build(),
            406,
            "accept"),
        // malformed multipart
        refused(
            "multipart without boundary",
            () -> post(SCORE, "multipart/form-data", "garbage"),
            400,
            "boundary"),
        refused(
            "multipart garbage",
            () -> post(SCORE, "multipart/form-data; boundary=xyz", "garbage\r\n--nope"),
            400,
            "multipart"),
        refused(
            "multipart without closing boundary",
            () ->
                post(
                    SCORE,
                    "multipart/form-data; boundary=xyz",
                    "--xyz\r\nContent-Disposition: form-data; name=\"a\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nabc"),
            400,
            "multipart"),
        refused(
            "multipart with only a text field",
            () ->
                post(
                    SCORE,
                    "multipart/form-data; boundary=xyz",
                    "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc\r\n--xyz--\r\n"),
            400,
            "no image"),
        // parameters
        refused("tpr not a number", () -> png(SCORE + "?tpr=abc", RED), 400, "'tpr'", "'abc'"),
        refused("tpr NaN", () -> png(SCORE + "?tpr=NaN", RED), 400, "'tpr'"),
        refused("tpr Infinity", () -> png(SCORE + "?tpr=Infinity", RED), 400, "'tpr'"),
        refused("tpr 0", () -> png(SCORE + "?tpr=0", RED), 400, "tpr", "(0, 1]"),
        refused("tpr hexadecimal", () -> png(SCORE + "?tpr=0x1p-1", RED), 400, "'tpr'"),
        refused("top_k negative", () -> png(SCORE + "?include=topk&top_k=-1", RED), 400, "'top_k'"),
        refused(
            "top_k fractional", () -> png(SCORE + "?include=topk&top_k=1.5", RED), 400, "'top_k'"),
        refused("odin.eps NaN", () -> png(SCORE + "?odin.eps=NaN", RED), 400, "'odin.eps'"),
        refused("odin.eps negative", () -> png(SCORE + "?odin.eps=-0.1", RED), 400, "epsilon"),
        refused("odin.T zero", () -> png(SCORE + "?odin.T=0", RED), 400, "temperature"),
        refused(
            "odin.T overflowing to infinity",
            () -> png(SCORE + "?odin.T=1e400", RED),
            400,
            "'odin.T'"),
        refused("unknown method", () -> png(SCORE + "?methods=nosuch", RED), 400, "'nosuch'"),
        refused(
            "unknown output in include",
            () -> png(SCORE + "?include=pixels", RED),
            400,
            "'pixels'"),
        // model names
        refused(
            "traversal in the model name",
            () -> png("/v1/models/..%2F..%2Fetc%2Fpasswd/score", RED),
            404,
            "'../../etc/passwd'"),
        refused(
            "traversal in the model name of GET",
            () -> get("/v1/models/..%2Fflat"),
            404,
            "'../flat'"),
        refused(
            "a folder that is no valid model name",
            () -> png("/v1/models/bad%20name!/score", RED),
            404,
            "'bad name!'"),
        refused(
            "a 1000-character model name",
            () -> png("/v1/models/" + "n".repeat(1000) + "/score", RED),
            404,
            "n".repeat(100) + "..."),
        refused(
            "a model whose bundle failed to load",
            () -> png("/v1/models/broken/score", RED),
            503,
            "'broken'",
            "failed to load"));
  }

  private static HttpRequest get(String path) {
    return HttpRequest.newBuilder(uri(path)).GET().build();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void refusesWithAProblemNamingTheCauseAndKeepsServing(
      String name, Supplier<HttpRequest> request, int status, String[] named) {
    assertProblem(send(request.get()), status, named);
    assertStillServes();
  }

  @Test
  void wrongMethodsSayWhichMethodIsAllowed() {
    HttpResponse<String> r = send(HttpRequest.newBuilder(uri(SCORE)).GET().build());
    assertProblem(r, 405, "GET");
    assertThat(r.headers().firstValue("Allow")).hasValue("POST");
  }

  @Test
  void aChunkedBodyGrowingPastTheLimitIsRefusedAndTheServiceKeepsServing() {
    // no Content-Length: Quarkus cuts the body while it is read, with an empty 413 (docs/scorer.md)
    HttpRequest chunked =
        HttpRequest.newBuilder(uri(SCORE))
            .header("Content-Type", "image/png")
            .POST(
                HttpRequest.BodyPublishers.ofInputStream(
                    () -> new java.io.ByteArrayInputStream(new byte[1_048_577 * 2])))
            .build();
    HttpResponse<String> r = send(chunked);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).doesNotContain("Exception", "\tat ");
    assertStillServes();
  }

  @Test
  void controlCharactersOfEchoedValuesAreReplaced() {
    HttpResponse<String> r = send(png(SCORE + "?methods=a%0Ab%1B", RED));
    assertProblem(r, 400, "'a?b?'");
    assertStillServes();
  }

  @Test
  void theLargestImageAllowedIsScored() {
    HttpResponse<String> r =
        send(png(SCORE + "?methods=maxlogit", ImageBombs.solidPng(2000, 2000)));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  @Test
  void aFailedBundleIsListedNotReadyWithItsReason() {
    HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/v1/models")).GET().build());
    assertThat(r.statusCode()).isEqualTo(200);
    var list = io.restassured.path.json.JsonPath.from(r.body());
    assertThat(list.getBoolean("find { it.name == 'broken' }.ready")).isFalse();
    assertThat(list.getString("find { it.name == 'broken' }.error")).contains("failed to load");
    assertThat(list.getBoolean("find { it.name == 'flat' }.ready")).isTrue();
    assertThat(list.getString("find { it.name == 'flat' }.error")).isNull();
  }
}
