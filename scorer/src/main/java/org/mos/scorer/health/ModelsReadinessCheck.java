package org.mos.scorer.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.mos.scorer.service.LoadedModel;
import org.mos.scorer.service.ModelRegistry;

/** Ready once the models folder was scanned and at least one model is loaded and warmed. */
@Readiness
@ApplicationScoped
public class ModelsReadinessCheck implements HealthCheck {

  private final ModelRegistry registry;

  public ModelsReadinessCheck(ModelRegistry registry) {
    this.registry = registry;
  }

  @Override
  public HealthCheckResponse call() {
    HealthCheckResponseBuilder b = HealthCheckResponse.named("models").status(registry.ready());
    b.withData(
        "loaded", String.join(",", registry.models().stream().map(LoadedModel::name).toList()));
    registry.failures().forEach((name, why) -> b.withData("failed." + name, why));
    return b.build();
  }
}
