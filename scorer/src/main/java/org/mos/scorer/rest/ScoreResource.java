package org.mos.scorer.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.mos.common.inference.ScoreRequest;
import org.mos.common.inference.ScoredBatch;
import org.mos.scorer.config.ScorerConfig;
import org.mos.scorer.limits.ScorerLimits;
import org.mos.scorer.service.ImageInput;
import org.mos.scorer.service.QueryOptions;
import org.mos.scorer.service.ScoringProblem;
import org.mos.scorer.service.ScoringService;
import org.mos.scorer.service.ServerTiming;

/** {@code POST /v1/models/{model}/score}: predictions and OOD scores of images. */
@Path("/v1/models/{model}/score")
@Produces(MediaType.APPLICATION_JSON)
public class ScoreResource {

  // more classes than any model has; top-k is clamped to the model's classes
  private static final int MAX_TOP_K = 100_000;

  private final ScoringService service;
  private final ScorerLimits limits;
  private final boolean serverTiming;

  public ScoreResource(ScoringService service, ScorerConfig config, ScorerLimits limits) {
    this.service = service;
    this.limits = limits;
    this.serverTiming = config.serverTiming();
  }

  @POST
  @Consumes({"image/jpeg", "image/png"})
  @Operation(summary = "Scores one image sent as the raw body (image/jpeg or image/png)")
  public RestResponse<ScoreResponse> scoreOne(
      @RestPath String model,
      @RestQuery List<String> methods,
      @RestQuery List<String> include,
      @RestQuery String tpr,
      @RestQuery("top_k") String topK,
      @RestQuery("odin.eps") String odinEpsilon,
      @RestQuery("odin.T") String odinTemperature,
      byte[] body) {
    ScoreRequest request = request(methods, include, tpr, topK, odinEpsilon, odinTemperature);
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
      @RestQuery String tpr,
      @RestQuery("top_k") String topK,
      @RestQuery("odin.eps") String odinEpsilon,
      @RestQuery("odin.T") String odinTemperature,
      @RestHeader("Content-Type") String contentType,
      @RestForm(FileUpload.ALL) List<FileUpload> parts) {
    ScoreRequest request = request(methods, include, tpr, topK, odinEpsilon, odinTemperature);
    if (contentType == null) {
      // a body without Content-Type lands here; it is no multipart body
      throw ScoringProblem.unsupportedMedia(
          "the request has no Content-Type; send image/jpeg or image/png as the body, or"
              + " multipart/form-data with image parts");
    }
    if (!contentType.toLowerCase(Locale.ROOT).contains("boundary=")) {
      throw new ScoringProblem(
          400,
          "Malformed multipart body",
          "the multipart/form-data Content-Type names no boundary");
    }
    // the parts are on disk (Quarkus' upload folder): count and size them before reading any
    if (parts.size() > limits.maxMultipartParts()) {
      throw ScoringProblem.tooLarge(
          "the body has "
              + parts.size()
              + " parts; at most "
              + limits.maxMultipartParts()
              + " are allowed (scorer.limits.max-multipart-parts)");
    }
    List<ImageInput> images = new ArrayList<>();
    for (FileUpload part : parts) {
      String name =
          "part " + ScoringProblem.echo(part.fileName() != null ? part.fileName() : part.name());
      if (part.size() > limits.maxImageBytes()) {
        throw ScoringProblem.tooLarge(
            name
                + " has "
                + part.size()
                + " bytes; at most "
                + limits.maxImageBytes()
                + " are allowed (scorer.limits.max-image-bytes)");
      }
      try {
        images.add(new ImageInput.Encoded(Files.readAllBytes(part.uploadedFile()), name));
      } catch (IOException e) {
        throw ScoringProblem.internal(e, "reading an uploaded part");
      }
    }
    return respond(model, service.scoreTimed(model, images, request, "rest"));
  }

  /** The request's options, each parsed strictly (400 naming the parameter). */
  private ScoreRequest request(
      List<String> methods,
      List<String> include,
      String tpr,
      String topK,
      String odinEpsilon,
      String odinTemperature) {
    return service.withOdin(
        service.request(
            methods,
            include,
            QueryOptions.finite("tpr", tpr, "a number in (0, 1]"),
            QueryOptions.integer("top_k", topK, 0, MAX_TOP_K)),
        QueryOptions.finite("odin.eps", odinEpsilon, "a finite number of 0 or more"),
        QueryOptions.finite("odin.T", odinTemperature, "a finite positive number"));
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
