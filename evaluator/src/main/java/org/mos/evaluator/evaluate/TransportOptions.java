package org.mos.evaluator.evaluate;

import java.nio.file.Path;
import java.util.Locale;
import org.mos.common.auth.BearerTokens;
import org.mos.common.inference.InferenceOptions;
import org.mos.contract.KafkaContract;
import org.mos.evaluator.transport.GrpcTransport;
import org.mos.evaluator.transport.KafkaTransport;
import org.mos.evaluator.transport.MessagingTransports;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The options that choose where a bundle's images are run, shared by {@code mos evaluate} and
 * {@code mos fit} (one spelling for one concept): in this process (the default), over gRPC on a
 * running scorer ({@code --scorer}), through the messaging channels ({@code --transport
 * messaging}), or through scorers consuming a Kafka topic ({@code --kafka}).
 */
public final class TransportOptions {

  @Option(
      names = "--transport",
      defaultValue = "in-process",
      paramLabel = "KIND",
      description =
          "in-process (ONNX Runtime in this JVM; default) or messaging (SmallRye Reactive"
              + " Messaging channels: in memory, or Kafka with --kafka).")
  String transport;

  @Option(
      names = "--scorer",
      paramLabel = "HOST:PORT",
      description =
          "Score over gRPC ScoreStream on a running scorer; each --bundle NAME=PATH names a model"
              + " it serves (NAME) and its local copy (PATH, checked by checksum).")
  String scorer;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      defaultValue = "${env:MOS_TOKEN_FILE}",
      description =
          "With --scorer: send the bearer token in FILE (its first line that is not blank or a"
              + " # comment) to a scorer with authentication on (mos.auth.enabled); default: the"
              + " file named by the environment variable MOS_TOKEN_FILE, else no token.")
  Path tokenFile;

  @Option(
      names = "--kafka",
      paramLabel = "BOOTSTRAP",
      description =
          "Score through Kafka (implies --transport messaging): requests on "
              + KafkaContract.REQUEST_TOPIC
              + ", scorers in one consumer group, replies on "
              + KafkaContract.REPLY_TOPIC
              + ".")
  String kafka;

  @Option(
      names = "--kafka-request-topic",
      defaultValue = KafkaContract.REQUEST_TOPIC,
      paramLabel = "TOPIC",
      description = "Topic the scorers consume (default ${DEFAULT-VALUE}).")
  String kafkaRequestTopic;

  @Option(
      names = "--kafka-reply-topic",
      defaultValue = KafkaContract.REPLY_TOPIC,
      paramLabel = "TOPIC",
      description = "Topic the scorers reply on (default ${DEFAULT-VALUE}).")
  String kafkaReplyTopic;

  /**
   * The remote transport the options choose, or null for in-process.
   *
   * @param spec the command (to tell an explicit {@code --token-file} from the environment's)
   * @param messaging makes the in-memory messaging transport (null outside CDI: refused)
   * @param inference device and threads of the in-memory messaging transport's model
   * @param batchSize images per gRPC request
   * @throws IllegalArgumentException naming conflicting or unknown options
   */
  public Remote remote(
      CommandSpec spec, MessagingTransports messaging, InferenceOptions inference, int batchSize) {
    String kind = transport == null ? "in-process" : transport.strip().toLowerCase(Locale.ROOT);
    if (!kind.equals("in-process") && !kind.equals("messaging")) {
      throw new IllegalArgumentException(
          "--transport is '" + transport + "'; expected in-process or messaging");
    }
    if (scorer != null && (kafka != null || kind.equals("messaging"))) {
      throw new IllegalArgumentException(
          "--scorer (gRPC) and --kafka / --transport messaging are different transports; pick one");
    }
    // MOS_TOKEN_FILE may be set for every run; only an explicit --token-file without --scorer is
    // a mistake
    boolean explicitToken =
        spec != null
            && spec.commandLine() != null
            && spec.commandLine().getParseResult() != null
            && spec.commandLine().getParseResult().hasMatchedOption("--token-file");
    if (explicitToken && scorer == null) {
      throw new IllegalArgumentException(
          "--token-file " + tokenFile + " is for a scorer's gRPC API: give --scorer HOST:PORT too");
    }
    if (scorer != null) {
      String token = tokenFile == null ? null : BearerTokens.readClientToken(tokenFile);
      return new Remote(
          "grpc",
          scorer,
          (name, bundle) ->
              GrpcTransport.connect(
                  GrpcTransport.Settings.of(scorer, name)
                      .withWindow(batchSize, 4)
                      .withToken(token)));
    }
    if (kafka != null) {
      return new Remote(
          "kafka",
          "kafka " + kafka,
          (name, bundle) ->
              KafkaTransport.connect(
                  KafkaTransport.Settings.of(kafka, name)
                      .withTopics(kafkaRequestTopic, kafkaReplyTopic)));
    }
    if (kind.equals("messaging")) {
      if (messaging == null) {
        throw new IllegalArgumentException(
            "--transport messaging needs the mos application's channels (run it through ./mos),"
                + " or give --kafka BOOTSTRAP");
      }
      return new Remote(
          "messaging",
          "in-memory channels",
          (name, bundle) ->
              messaging.inMemory(bundle, inference, MessagingTransports.DEFAULT_WINDOW));
    }
    return null;
  }

  /**
   * A remote transport chosen by the options.
   *
   * @param kind {@code grpc}, {@code kafka} or {@code messaging}
   * @param where the scorer's address or the transport's description, for messages and reports
   * @param connector opens the transport for one model
   */
  public record Remote(String kind, String where, RemoteTransports.Connector connector) {

    /** The transport factory of {@code mos evaluate}. */
    public RemoteTransports factory() {
      return new RemoteTransports(where, connector);
    }
  }
}
