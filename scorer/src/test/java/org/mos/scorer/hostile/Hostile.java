package org.mos.scorer.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.mos.scorer.TestBundles;

/**
 * Raw HTTP for the hostile-input suite (no client-side defaults: a request has exactly the headers
 * it is given), and the checks every refusal must pass.
 */
final class Hostile {

  /** A solid (255, 0, 51) PNG: on the flat model its maxlogit is 1.5 (ScoreResourceTest). */
  static final byte[] RED = TestBundles.png(255, 0, 51);

  // a Java class name ("java.io.EOFException", "IIOException") or a stack frame
  private static final Pattern JAVA =
      Pattern.compile("(\\b[a-z]+\\.[a-z]+\\.[A-Z])|Exception\\b|\\bat [a-z]+\\.|\\.java:");

  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private Hostile() {}

  static URI uri(String pathAndQuery) {
    return URI.create("http://localhost:" + RestAssured.port + pathAndQuery);
  }

  static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** POST {@code body} with the given Content-Type (none when null). */
  static HttpRequest post(String path, String contentType, byte[] body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return b.build();
  }

  static HttpRequest post(String path, String contentType, String body) {
    return post(path, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  static HttpRequest png(String pathAndQuery, byte[] body) {
    return post(pathAndQuery, "image/png", body);
  }

  /** A multipart/form-data body with one file part per image, boundary {@code b0undary}. */
  static HttpRequest multipart(String path, List<byte[]> images) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < images.size(); i++) {
      out.writeBytes(
          ("--b0undary\r\nContent-Disposition: form-data; name=\"p"
                  + i
                  + "\"; filename=\"p"
                  + i
                  + ".png\"\r\nContent-Type: image/png\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(images.get(i));
      out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.writeBytes("--b0undary--\r\n".getBytes(StandardCharsets.US_ASCII));
    return post(path, "multipart/form-data; boundary=b0undary", out.toByteArray());
  }

  /**
   * Asserts a refusal: the status, an RFC 7807 problem document with that status whose detail names
   * every one of {@code named}, and no Java class name or stack trace anywhere in it.
   */
  static JsonPath assertProblem(HttpResponse<String> r, int status, String... named) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonPath body = JsonPath.from(r.body());
    assertThat(body.getInt("status")).isEqualTo(status);
    assertThat(body.getString("title")).isNotBlank();
    assertThat(body.getString("detail")).contains(named);
    assertThat(r.body()).doesNotContainPattern(JAVA);
    return body;
  }

  /** Asserts that the service still scores a good image correctly. */
  static void assertStillServes() {
    HttpResponse<String> r = send(png("/v1/models/flat/score?methods=maxlogit", RED));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(JsonPath.from(r.body()).getDouble("images[0].scores.maxlogit"))
        .isCloseTo(1.5, within(1e-5));
  }
}
