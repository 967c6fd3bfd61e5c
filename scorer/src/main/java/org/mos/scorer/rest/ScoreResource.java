package org.mos.scorer.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.ScoredBatch;
import org.mos.scorer.config.ScorerConfig;
import org.mos.scorer.service.ImageInput;
import org.mos.scorer.service.ScoringService;
import org.mos.scorer.service.ServerTiming;

/** {@code POST /v1/models/{model}/score}: predictions and OOD scores of images. */
@Path("/v1/models/{model}/score")
@Produces(MediaType.APPLICATION_JSON)
public class ScoreResource {

  private final ScoringService service;
  private final boolean serverTiming;

  public ScoreResource(ScoringService service, ScorerConfig config) {
    this.service = service;
    this.serverTiming = config.serverTiming();
  }

  @POST
  @Consumes({"image/jpeg", "image/png"})
  @Operation(summary = "Scores one image sent as the raw body (image/jpeg or image/png)")
  public RestResponse<ScoreResponse> scoreOne(
      @RestPath String model,
      @RestQuery List<String> methods,
      @RestQuery List<String> include,
      @RestQuery Double tpr,
      @RestQuery("top_k") Integer topK,
      @RestQuery("odin.eps") Double odinEpsilon,
      @RestQuery("odin.T") Double odinTemperature,
      byte[] body) {
    ScoreRequest request =
        service.withOdin(
            service.request(methods, include, tpr, topK), odinEpsilon, odinTemperature);
    List<ImageInput> images = List.of(new ImageInput.Encoded(body, "the body"));
    return respond(model, service.scoreTimed(model, images, request, "rest"));
  }

  @POST
  @Consumes(MediaType.MULTIPART_FORM_DATA)
  @Operation(summary = "Scores several images sent as multipart/form-data parts, in part order")
  public RestResponse<ScoreResponse> scoreMany(
      @RestPath String model,
      @RestQuery List<String> methods,
      @RestQuery List<String> include,
      @RestQuery Double tpr,
      @RestQuery("top_k") Integer topK,
      @RestQuery("odin.eps") Double odinEpsilon,
      @RestQuery("odin.T") Double odinTemperature,
      @RestForm(FileUpload.ALL) List<FileUpload> parts) {
    ScoreRequest request =
        service.withOdin(
            service.request(methods, include, tpr, topK), odinEpsilon, odinTemperature);
    List<ImageInput> images = new ArrayList<>();
    for (FileUpload part : parts) {
      try {
        String name = part.fileName() != null ? part.fileName() : part.name();
        images.add(
            new ImageInput.Encoded(Files.readAllBytes(part.uploadedFile()), "part '" + name + "'"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return respond(model, service.scoreTimed(model, images, request, "rest"));
  }

  private RestResponse<ScoreResponse> respond(String model, ScoringService.Timed timed) {
    ScoredBatch scored = timed.scored();
    return withTiming(
        new ScoreResponse(model, scored.images(), scored.decisionsOmitted()),
        timed.timing(),
        serverTiming);
  }

  /** 200 with {@code body}, and the {@code Server-Timing} header when {@code enabled}. */
  static <T> RestResponse<T> withTiming(T body, ServerTiming timing, boolean enabled) {
    RestResponse.ResponseBuilder<T> ok = RestResponse.ResponseBuilder.ok(body);
    if (enabled) {
      ok.header(ServerTiming.HEADER, timing.header());
    }
    return ok.build();
  }
}
