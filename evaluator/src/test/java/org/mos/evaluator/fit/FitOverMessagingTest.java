package org.mos.evaluator.fit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mos.common.inference.synthetic.SyntheticBundle;
import org.mos.evaluator.transport.MessagingTransports;
import picocli.CommandLine;

/**
 * {@code mos fit --transport messaging}: the outputs come through the application's in-memory
 * request and reply channels (one request per image, the logits and features included in each
 * reply) and give the statistics of the in-process fit; with a cache, a second run reads every
 * chunk from it and writes the same statistics bit for bit.
 */
@QuarkusTest
class FitOverMessagingTest {

  @Inject MessagingTransports transports;

  private int fitOverMessaging(StringWriter err, String... args) {
    FitCommand command = new FitCommand();
    command.messaging = transports;
    CommandLine cl = new CommandLine(command);
    cl.setOut(new PrintWriter(new StringWriter()));
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }

  @Test
  void messagingFitGivesTheStatisticsOfTheInProcessFitAndResumesFromItsCache() throws Exception {
    Path dir = Files.createTempDirectory("mos-fit-messaging-");
    JsonNode fx = FixtureImages.json("/fixtures/fit/synthetic_fit.json");
    Path bundle = dir.resolve("bundle");
    new SyntheticBundle(
            4,
            List.of("x", "y", "z"),
            null,
            FixtureImages.weights(fx),
            FixtureImages.bias(fx),
            Map.of())
        .writeTo(bundle);
    Path val = FixtureImages.writePngs(dir.resolve("val"), fx.get("images").get("val"));
    Files.writeString(val.resolve("broken.png"), "not a png");
    Path cal = FixtureImages.writePngs(dir.resolve("cal"), fx.get("images").get("cal"));
    List<String> fits =
        List.of(
            "--kl-fit", val.toString(),
            "--kl-labels", "predicted",
            "--knn-fit", val.toString(),
            "--knn-k", "3",
            "--vim-fit", val.toString(),
            "--calibrate", cal.toString(),
            "--calibrate-methods", "msp,kl,knn,vim");
    StringWriter localErr = new StringWriter();
    List<String> local = new ArrayList<>(fits);
    local.addAll(List.of("--out", dir.resolve("local").toString()));
    assertThat(
            FixtureImages.fit(bundle, new StringWriter(), localErr, local.toArray(String[]::new)))
        .as(localErr.toString())
        .isZero();

    List<String> remote = new ArrayList<>(fits);
    remote.addAll(
        List.of(
            "--bundle",
            bundle.toString(),
            "--transport",
            "messaging",
            "--cache",
            dir.resolve("cache").toString(),
            "--cache-chunk",
            "5"));
    StringWriter err = new StringWriter();
    List<String> first = new ArrayList<>(remote);
    first.addAll(List.of("--out", dir.resolve("remote").toString()));
    assertThat(fitOverMessaging(err, first.toArray(String[]::new))).as(err.toString()).isZero();
    assertThat(err.toString())
        .contains("mos fit: vim fit set: 12 images in")
        .contains("1 unreadable skipped, over messaging in-memory channels");
    FitStatistics.assertSame(dir.resolve("local"), dir.resolve("remote"), 1e-6);

    StringWriter again = new StringWriter();
    List<String> second = new ArrayList<>(remote);
    second.addAll(List.of("--out", dir.resolve("again").toString()));
    assertThat(fitOverMessaging(again, second.toArray(String[]::new)))
        .as(again.toString())
        .isZero();
    assertThat(again.toString()).contains("mos fit: vim fit set: all 3 of 3 chunks cached in");
    FitStatistics.assertSame(dir.resolve("remote"), dir.resolve("again"), 0);
  }
}
