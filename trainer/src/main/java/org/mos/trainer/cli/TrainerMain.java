package org.mos.trainer.cli;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.inject.Inject;
import org.mos.trainer.config.OneDnnCpuGuard;
import picocli.CommandLine;

/**
 * Entry point of the trainer jar, both command line and service. {@code serve} starts the HTTP job
 * API ({@code --port N} and {@code --work DIR} become {@code quarkus.http.port} and {@code
 * trainer.work-dir}); every other command runs with the HTTP listener off, so a training run opens
 * no port.
 */
@QuarkusMain
public class TrainerMain implements QuarkusApplication {

  @Inject CommandLine.IFactory factory;

  public static void main(String... args) {
    // before anything can load libtorch (training, export's graph tracing, the job service)
    OneDnnCpuGuard.apply();
    if (args.length > 0 && args[0].equals("serve")) {
      for (int i = 1; i + 1 < args.length; i++) {
        if (args[i].equals("--port")) {
          System.setProperty("quarkus.http.port", args[i + 1]);
        } else if (args[i].equals("--work")) {
          System.setProperty("trainer.work-dir", args[i + 1]);
        }
      }
      for (String a : args) {
        if (a.startsWith("--port=")) {
          System.setProperty("quarkus.http.port", a.substring("--port=".length()));
        } else if (a.startsWith("--work=")) {
          System.setProperty("trainer.work-dir", a.substring("--work=".length()));
        }
      }
    } else if (System.getProperty("quarkus.http.host-enabled") == null) {
      System.setProperty("quarkus.http.host-enabled", "false");
    }
    Quarkus.run(TrainerMain.class, args);
  }

  @Override
  public int run(String... args) {
    return new CommandLine(TrainerCommand.class, factory).execute(args);
  }
}
