package org.mos.scorer.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestPath;
import org.mos.scorer.config.ScorerConfig;
import org.mos.scorer.service.LoadedModel;
import org.mos.scorer.service.ModelRegistry;

/** The models this scorer serves. */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

  private final ModelRegistry registry;
  private final ScorerConfig config;

  public ModelsResource(ModelRegistry registry, ScorerConfig config) {
    this.registry = registry;
    this.config = config;
  }

  @GET
  @Operation(
      summary =
          "Lists the models by name: the loaded ones, and bundles that failed to load (ready"
              + " false, with the reason)")
  public List<ModelInfo> list() {
    Map<String, String> failures = registry.failures();
    Map<String, ModelInfo> byName = new TreeMap<>();
    for (LoadedModel m : registry.models()) {
      byName.put(m.name(), ModelInfo.of(m, failures.get(m.name())));
    }
    failures.forEach((name, why) -> byName.putIfAbsent(name, ModelInfo.failed(name, why)));
    return List.copyOf(byName.values());
  }

  @GET
  @Path("{model}")
  @Operation(summary = "Describes one model: classes, groups, outputs, methods, calibration")
  public ModelInfo get(@RestPath String model) {
    LoadedModel m = registry.acquire(model);
    try {
      return ModelInfo.of(m, registry.failures().get(m.name()));
    } finally {
      m.release();
    }
  }

  @GET
  @Path("{model}/calibration")
  @Operation(
      summary =
          "The ID calibration scores' quantiles per calibrated method, and the default threshold")
  public CalibrationInfo calibration(@RestPath String model) {
    LoadedModel m = registry.acquire(model);
    try {
      return CalibrationInfo.of(m, config.defaultTpr());
    } finally {
      m.release();
    }
  }
}
