package org.mos.scorer.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.mos.scorer.service.ScoringProblem;

/** Turns every refusal into an RFC 7807 {@code application/problem+json} document. */
public class ProblemMapper {

  private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

  /** The media type of problem documents. */
  public static final String PROBLEM_JSON = "application/problem+json";

  static Response problem(int status, String title, String detail) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "about:blank");
    body.put("title", title);
    body.put("status", status);
    body.put("detail", detail);
    return Response.status(status).type(PROBLEM_JSON).entity(body).build();
  }

  @ServerExceptionMapper
  public Response scoring(ScoringProblem p) {
    return problem(p.status(), p.title(), p.getMessage());
  }

  @ServerExceptionMapper
  public Response unsupported(NotSupportedException e) {
    return problem(
        415,
        "Unsupported media type",
        "send image/jpeg or image/png as the body, or multipart/form-data with image parts"
            + " (/v2 takes application/json)");
  }

  @ServerExceptionMapper
  public Response notFound(NotFoundException e) {
    return problem(404, "Not found", "no such resource");
  }

  @ServerExceptionMapper
  public Response notAllowed(NotAllowedException e) {
    return problem(405, "Method not allowed", e.getMessage());
  }

  @ServerExceptionMapper
  public Response badJson(JsonProcessingException e) {
    return problem(400, "Bad request", "the body is not valid JSON: " + e.getOriginalMessage());
  }

  @ServerExceptionMapper
  public Response web(WebApplicationException e) {
    int status = e.getResponse().getStatus();
    return problem(status, e.getResponse().getStatusInfo().getReasonPhrase(), e.getMessage());
  }

  @ServerExceptionMapper
  public Response unexpected(RuntimeException e) {
    LOG.error("unexpected failure", e);
    return problem(500, "Internal error", e.getMessage());
  }
}
