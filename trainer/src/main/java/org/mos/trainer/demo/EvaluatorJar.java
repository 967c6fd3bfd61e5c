package org.mos.trainer.demo;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The evaluator's runnable jar, which {@code mos demo} runs for its fit and evaluate steps: in a
 * child JVM (the trainer cannot load the evaluator's Quarkus application into its own), with this
 * JVM's options, its standard streams shared, so the steps print and fail as the commands a user
 * types would.
 *
 * @param java the {@code java} executable of this JVM
 * @param jvmOptions this JVM's options ({@code MOS_JAVA_OPTS}, {@code -Djava.awt.headless=true},
 *     ...)
 * @param jar the evaluator's {@code quarkus-run.jar}
 */
record EvaluatorJar(Path java, List<String> jvmOptions, Path jar) {

  /** The system property naming the jar; {@code ./mos demo} sets it after building the jar. */
  static final String PROPERTY = "mos.evaluator.jar";

  EvaluatorJar {
    jvmOptions = List.copyOf(jvmOptions);
  }

  /** The jar that {@value #PROPERTY} names, run by this JVM's {@code java} with its options. */
  static EvaluatorJar fromSystemProperty() {
    return of(
        System.getProperty(PROPERTY),
        Path.of(System.getProperty("java.home"), "bin", "java"),
        ManagementFactory.getRuntimeMXBean().getInputArguments());
  }

  /**
   * The jar at {@code location}.
   *
   * @throws IllegalArgumentException when {@code location} is missing or names no file
   */
  static EvaluatorJar of(String location, Path java, List<String> jvmOptions) {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException(
          "the fit and evaluate steps run the evaluator's jar, but -D"
              + PROPERTY
              + " is not set: run ./mos demo (it builds the jar and sets it), or pass -D"
              + PROPERTY
              + "=evaluator/target/quarkus-app/quarkus-run.jar");
    }
    Path jar = Path.of(location);
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException(
          "-D"
              + PROPERTY
              + "="
              + location
              + " is not a file: build the evaluator (./mvnw -pl evaluator -am package) or run"
              + " ./mos demo");
    }
    return new EvaluatorJar(java, jvmOptions, jar);
  }

  /** The command line that runs the evaluator with {@code args}. */
  List<String> command(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(args);
    return command;
  }

  /** Runs the evaluator with {@code args} and returns its exit code. */
  int run(List<String> args) throws IOException, InterruptedException {
    return new ProcessBuilder(command(args)).inheritIO().start().waitFor();
  }
}
