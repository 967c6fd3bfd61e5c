package org.mos.trainer.rest;

import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.mos.common.data.DatasetException;
import org.mos.trainer.service.PathOutsideRootsException;

/** Errors as RFC 9457 problem details ({@code application/problem+json}). */
public class Problems {

  static final String PROBLEM_JSON = "application/problem+json";

  @ServerExceptionMapper
  public Response badSpec(IllegalArgumentException e) {
    return problem(Response.Status.BAD_REQUEST, "Invalid job spec", e.getMessage());
  }

  @ServerExceptionMapper
  public Response badData(DatasetException e) {
    return problem(Response.Status.BAD_REQUEST, "Invalid job spec", e.getMessage());
  }

  @ServerExceptionMapper
  public Response outsideRoots(PathOutsideRootsException e) {
    return problem(Response.Status.BAD_REQUEST, "Path outside the job roots", e.getMessage());
  }

  @ServerExceptionMapper
  public Response notFound(JobNotFoundException e) {
    return problem(Response.Status.NOT_FOUND, "Job not found", e.getMessage());
  }

  static Response problem(Response.Status status, String title, String detail) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "about:blank");
    body.put("title", title);
    body.put("status", status.getStatusCode());
    body.put("detail", detail);
    return Response.status(status).type(PROBLEM_JSON).entity(body).build();
  }
}
