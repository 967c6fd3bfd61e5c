package org.mos.trainer.cli;

import io.quarkus.runtime.Quarkus;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.eclipse.microprofile.config.ConfigProvider;
import org.mos.trainer.service.JobService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code serve}: the trainer as a service, the job API on HTTP until stopped. {@code --work} and
 * {@code --port} are applied by {@link TrainerMain} before Quarkus starts (they configure the
 * application); they are declared here for the help text.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Run the training job service (REST /v1/jobs, health, metrics) until stopped.")
public class ServeCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--work", description = "Job queue folder (trainer.work-dir).")
  Path work;

  @Option(names = "--port", description = "HTTP port (quarkus.http.port, default 8080).")
  Integer port;

  @Inject JobService jobs;

  @Override
  public Integer call() {
    Path dir = jobs.workDir(); // starts the queue: unfinished jobs resume now
    int httpPort = ConfigProvider.getConfig().getValue("quarkus.http.port", Integer.class);
    spec.commandLine()
        .getOut()
        .printf("trainer service on http://0.0.0.0:%d/v1/jobs, work folder %s%n", httpPort, dir);
    spec.commandLine().getOut().flush();
    Quarkus.waitForExit();
    return 0;
  }
}
