package org.mos.scorer.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * On {@code /v2} paths, every error answers with the Open Inference Protocol's {@code {"error":
 * "..."}} body instead of the problem document the rest of the service uses: the refusals are
 * mapped once ({@link ProblemMapper}) and re-shaped here. The protocol knows one status for a bad
 * request, 400, so the scorer's 422 (bad tensor) becomes 400 there.
 */
public class V2ErrorBody {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @ServerResponseFilter
  public void reshape(ContainerRequestContext request, ContainerResponseContext response) {
    if (response.getStatus() < 400 || !isV2(request.getUriInfo().getPath())) {
      return;
    }
    MediaType type = response.getMediaType();
    if (type == null || !type.getSubtype().endsWith("problem+json")) {
      return;
    }
    JsonNode problem = JSON.valueToTree(response.getEntity());
    String detail = problem.path("detail").asText("");
    String title = problem.path("title").asText("");
    String message = detail.isEmpty() ? title : title.isEmpty() ? detail : title + ": " + detail;
    if (response.getStatus() == 422) {
      response.setStatus(400);
    }
    response.setEntity(
        Map.of("error", message),
        new java.lang.annotation.Annotation[0],
        MediaType.APPLICATION_JSON_TYPE);
  }

  static boolean isV2(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    return p.equals("v2") || p.startsWith("v2/");
  }
}
