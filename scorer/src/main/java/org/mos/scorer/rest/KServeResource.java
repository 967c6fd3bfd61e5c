package org.mos.scorer.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.mos.scorer.config.ScorerConfig;
import org.mos.scorer.kserve.V2Inference;
import org.mos.scorer.kserve.V2Request;
import org.mos.scorer.service.ServerTiming;

/**
 * The Open Inference Protocol (KServe v2) over HTTP: server and model metadata, readiness and
 * inference, on {@code /v2/models/{model}} and {@code /v2/models/{model}/versions/{version}}, with
 * the binary tensor data extension. What the models take and answer: {@link V2Inference}. Errors
 * are the protocol's {@code {"error": "..."}} ({@link V2ErrorBody}).
 */
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
public class KServeResource {

  private final V2Inference v2;
  private final boolean serverTiming;

  public KServeResource(V2Inference v2, ScorerConfig config) {
    this.v2 = v2;
    this.serverTiming = config.serverTiming();
  }

  @GET
  @Operation(summary = "Server metadata (v2)")
  public V2Inference.ServerMetadata server() {
    return v2.serverMetadata();
  }

  @GET
  @Path("health/live")
  @Operation(summary = "Server liveness (v2)")
  public Map<String, Object> live() {
    return Map.of("live", true);
  }

  @GET
  @Path("health/ready")
  @Operation(summary = "Server readiness (v2): 200 when ready, else 503")
  public Response ready() {
    boolean ready = v2.serverReady();
    return Response.status(ready ? 200 : 503).entity(Map.of("ready", ready)).build();
  }

  @GET
  @Path("models/{model}")
  @Operation(summary = "Model metadata (v2)")
  public V2Inference.ModelMetadata metadata(@RestPath String model) {
    return v2.modelMetadata(model, null);
  }

  @GET
  @Path("models/{model}/versions/{version}")
  @Operation(summary = "Model metadata of a model version (v2)")
  public V2Inference.ModelMetadata metadata(@RestPath String model, @RestPath String version) {
    return v2.modelMetadata(model, version);
  }

  @GET
  @Path("models/{model}/ready")
  @Operation(summary = "Model readiness (v2): 200 when ready, 503 when its bundle failed to load")
  public Response modelReady(@RestPath String model) {
    return ready(model, null);
  }

  @GET
  @Path("models/{model}/versions/{version}/ready")
  @Operation(summary = "Model version readiness (v2)")
  public Response modelReady(@RestPath String model, @RestPath String version) {
    return ready(model, version);
  }

  private Response ready(String model, String version) {
    boolean ready = v2.modelReady(model, version);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", model);
    body.put("ready", ready);
    return Response.status(ready ? 200 : 503).entity(body).build();
  }

  @POST
  @Path("models/{model}/infer")
  @Consumes({MediaType.APPLICATION_JSON, MediaType.APPLICATION_OCTET_STREAM})
  @Operation(summary = "Inference (v2): JSON, or JSON then binary tensor data")
  public Response infer(
      @RestPath String model, @RestHeader(V2Json.HEADER_LENGTH) String headerLength, byte[] body) {
    return run(model, null, headerLength, body);
  }

  @POST
  @Path("models/{model}/versions/{version}/infer")
  @Consumes({MediaType.APPLICATION_JSON, MediaType.APPLICATION_OCTET_STREAM})
  @Operation(summary = "Inference on a model version (v2)")
  public Response infer(
      @RestPath String model,
      @RestPath String version,
      @RestHeader(V2Json.HEADER_LENGTH) String headerLength,
      byte[] body) {
    return run(model, version, headerLength, body);
  }

  private Response run(String model, String version, String headerLength, byte[] body) {
    V2Request request = V2Json.parse(model, version, body, headerLength, v2.maxTensorElements());
    V2Inference.Result result = v2.infer(request, "v2");
    V2Json.Body answer = V2Json.write(request, result);
    Response.ResponseBuilder ok =
        Response.ok(answer.bytes())
            .type(
                answer.binary() ? MediaType.APPLICATION_OCTET_STREAM : MediaType.APPLICATION_JSON);
    if (answer.binary()) {
      ok.header(V2Json.HEADER_LENGTH, answer.jsonLength());
    }
    if (serverTiming) {
      ok.header(ServerTiming.HEADER, result.timing().header());
    }
    return ok.build();
  }
}
