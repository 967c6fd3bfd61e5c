package org.mos.trainer.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.mos.trainer.service.JobService;

/** Health of the job queue: live while its worker runs, ready while the work folder is writable. */
public final class JobQueueHealth {

  private JobQueueHealth() {}

  /** Liveness: the worker thread that runs the jobs is alive. */
  @Liveness
  @ApplicationScoped
  public static class Worker implements HealthCheck {
    @Inject JobService jobs;

    @Override
    public HealthCheckResponse call() {
      return HealthCheckResponse.named("job-worker").status(jobs.live()).build();
    }
  }

  /** Readiness: the work folder (queue state, default outputs) can be written. */
  @Readiness
  @ApplicationScoped
  public static class WorkDir implements HealthCheck {
    @Inject JobService jobs;

    @Override
    public HealthCheckResponse call() {
      return HealthCheckResponse.named("work-dir")
          .status(jobs.ready())
          .withData("path", jobs.workDir().toString())
          .build();
    }
  }
}
