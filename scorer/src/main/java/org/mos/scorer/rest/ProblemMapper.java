package org.mos.scorer.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.mos.scorer.service.ScoringProblem;

/**
 * Turns every refusal into an RFC 7807 {@code application/problem+json} document whose detail names
 * the cause; failures nobody foresaw become a 500 carrying only an error id, which is logged with
 * the stack trace ({@link ScoringProblem#internal}). No answer carries a Java class name or a stack
 * trace.
 */
public class ProblemMapper {

  /** The media type of problem documents. */
  public static final String PROBLEM_JSON = "application/problem+json";

  static Response problem(int status, String title, String detail) {
    return problemBuilder(status, title, detail).build();
  }

  static Response.ResponseBuilder problemBuilder(int status, String title, String detail) {
    return Response.status(status).type(PROBLEM_JSON).entity(body(status, title, detail));
  }

  /** The problem document's fields. */
  static Map<String, Object> body(int status, String title, String detail) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "about:blank");
    body.put("title", title);
    body.put("status", status);
    body.put("detail", ScoringProblem.clean(detail));
    return body;
  }

  @ServerExceptionMapper
  public Response scoring(ScoringProblem p) {
    Response.ResponseBuilder b = problemBuilder(p.status(), p.title(), p.getMessage());
    if (p.retryAfterSeconds() > 0) {
      b.header(HttpHeaders.RETRY_AFTER, p.retryAfterSeconds());
    }
    return b.build();
  }

  @ServerExceptionMapper
  public Response unsupported(NotSupportedException e, HttpHeaders headers) {
    String type = headers.getHeaderString(HttpHeaders.CONTENT_TYPE);
    return problem(
        415,
        "Unsupported media type",
        (type == null
                ? "the request has no Content-Type"
                : "Content-Type " + ScoringProblem.echo(type) + " is not accepted here")
            + "; send image/jpeg or image/png as the body, or multipart/form-data with image parts"
            + " (/v2 takes application/json)");
  }

  @ServerExceptionMapper
  public Response notFound(NotFoundException e, UriInfo uri, Request request) {
    String path = uri.getPath().startsWith("/") ? uri.getPath() : "/" + uri.getPath();
    Optional<String> allowed = V1Routes.allowedMethods(path);
    if (allowed.isPresent() && !allowed.get().equals(request.getMethod())) {
      return notAllowed(request.getMethod(), allowed.get());
    }
    return problem(404, "Not found", "no such resource: " + ScoringProblem.echo(path));
  }

  @ServerExceptionMapper
  public Response notAllowed(NotAllowedException e, UriInfo uri, Request request) {
    String path = uri.getPath().startsWith("/") ? uri.getPath() : "/" + uri.getPath();
    String allow =
        V1Routes.allowedMethods(path)
            .orElseGet(() -> String.join(", ", e.getResponse().getAllowedMethods()));
    return notAllowed(request.getMethod(), allow);
  }

  private static Response notAllowed(String method, String allow) {
    return problemBuilder(
            405,
            "Method not allowed",
            method + " is not allowed on this resource; allowed: " + allow)
        .header(HttpHeaders.ALLOW, allow)
        .build();
  }

  @ServerExceptionMapper
  public Response badJson(JsonProcessingException e) {
    return problem(400, "Bad request", "the body is not valid JSON: " + e.getOriginalMessage());
  }

  /** The multipart parser's failures (a truncated body, a missing closing boundary) are 400s. */
  @ServerExceptionMapper
  public Response unreadableBody(IOException e) {
    String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    if (message.contains("multipart") || message.contains("boundary")) {
      return problem(
          400,
          "Malformed multipart body",
          "the multipart/form-data body could not be parsed (truncated, or a boundary is"
              + " missing): "
              + e.getMessage());
    }
    return scoring(ScoringProblem.internal(e, "reading a request"));
  }

  @ServerExceptionMapper
  public Response web(WebApplicationException e) {
    int status = e.getResponse().getStatus();
    if (status >= 500) {
      return scoring(ScoringProblem.internal(e, "in the HTTP layer"));
    }
    return problem(status, e.getResponse().getStatusInfo().getReasonPhrase(), e.getMessage());
  }

  @ServerExceptionMapper
  public Response unexpected(Throwable e) {
    return scoring(ScoringProblem.internal(e, "serving a REST request"));
  }
}
