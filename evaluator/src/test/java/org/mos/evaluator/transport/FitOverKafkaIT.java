package org.mos.evaluator.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.Test;
import org.mos.common.testkit.SingleNodeKafka;
import org.mos.evaluator.fit.FitStatistics;

/**
 * {@code mos fit --kafka}: the logits and features come back in the replies of a scorer consuming
 * the request topic of an in-process KRaft broker, and give the statistics of the in-process fit.
 */
class FitOverKafkaIT {

  @Test
  void kafkaFitGivesTheStatisticsOfTheInProcessFit() throws Exception {
    Path dir = Files.createTempDirectory("mos-fit-kafka-");
    Path train = FitOverGrpcTest.trainSet(dir);
    Path bundle = TransportFixtures.bundle(dir);
    StringWriter localErr = new StringWriter();
    List<String> local = new ArrayList<>(FitOverGrpcTest.fits(train));
    local.addAll(List.of("--bundle", bundle.toString(), "--out", dir.resolve("local").toString()));
    assertThat(FitOverGrpcTest.fit(localErr, local.toArray(String[]::new)))
        .as(localErr.toString())
        .isZero();
    try (KafkaClusterTestKit cluster = SingleNodeKafka.start();
        ReferenceScores reference = new ReferenceScores(bundle);
        KafkaTestScorer scorer =
            new KafkaTestScorer(cluster.bootstrapServers(), reference, "a", 0)) {
      StringWriter err = new StringWriter();
      List<String> remote = new ArrayList<>(FitOverGrpcTest.fits(train));
      remote.addAll(
          List.of(
              "--bundle",
              BundleScorerGrpcServer.MODEL + "=" + bundle,
              "--kafka",
              cluster.bootstrapServers(),
              "--out",
              dir.resolve("remote").toString()));
      assertThat(FitOverGrpcTest.fit(err, remote.toArray(String[]::new)))
          .as(err.toString())
          .isZero();
      assertThat(err.toString())
          .contains("1 unreadable skipped, over kafka " + cluster.bootstrapServers());
    }
    FitStatistics.assertSame(
        dir.resolve("local"), dir.resolve("remote"), FitOverGrpcTest.TOLERANCE);
  }
}
