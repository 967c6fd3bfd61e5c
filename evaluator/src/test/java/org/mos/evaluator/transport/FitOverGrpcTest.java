package org.mos.evaluator.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.evaluator.cli.MosCommand;
import org.mos.evaluator.fit.FitStatistics;
import picocli.CommandLine;

/**
 * {@code mos fit --scorer}: the features and logits come over gRPC from a running scorer (an
 * in-test server on the scorer's generated service, backed by BundleModel + BundleScorer, returning
 * the outputs a request includes as the real scorer does) and give the statistics of the in-process
 * fit; fits a scorer cannot feed are refused before anything is sent.
 */
class FitOverGrpcTest {

  /**
   * Remote and in-process fits run the same ONNX graph on the same decoded pixels; float32 outputs
   * may differ in their last bits with the batch composition, which statistics computed in float64
   * keep far below this (relative to max(1, |value|)).
   */
  static final double TOLERANCE = 1e-6;

  @TempDir Path dir;

  /** Three class folders x, y, z of four images each, and one unreadable file in x. */
  static Path trainSet(Path dir) throws IOException {
    Path train = dir.resolve("train");
    String[] classes = {"x", "y", "z"};
    for (int i = 0; i < 12; i++) {
      Path folder = Files.createDirectories(train.resolve(classes[i % 3]));
      TransportFixtures.png(
          folder.resolve("i" + i + ".png"), (29 * i) % 256, (71 * i + 30) % 256, (53 * i) % 256);
    }
    Files.writeString(train.resolve("x").resolve("broken.png"), "not a png");
    return train;
  }

  static int fit(StringWriter err, String... args) {
    List<String> all = new ArrayList<>(List.of("fit"));
    all.addAll(List.of(args));
    CommandLine cl = new CommandLine(new MosCommand());
    cl.setOut(new PrintWriter(new StringWriter()));
    cl.setErr(new PrintWriter(err));
    return cl.execute(all.toArray(String[]::new));
  }

  static List<String> fits(Path train) {
    String t = train.toString();
    return List.of(
        "--kl-fit", t,
        "--knn-fit", t,
        "--knn-k", "3",
        "--vim-fit", t,
        "--mahalanobis-fit", t,
        "--mahalanobis-layers", "features",
        "--mahalanobis-combiner", "sum",
        "--mahalanobis-validation", t,
        "--calibrate", t,
        "--calibrate-methods", "msp,energy,kl,knn,vim,mahalanobis");
  }

  @Test
  void grpcFitGivesTheStatisticsOfTheInProcessFit() throws Exception {
    Path train = trainSet(dir);
    Path bundle = TransportFixtures.bundle(dir);
    StringWriter err = new StringWriter();
    List<String> local = new ArrayList<>(fits(train));
    local.addAll(List.of("--bundle", bundle.toString(), "--out", dir.resolve("local").toString()));
    assertThat(fit(err, local.toArray(String[]::new))).as(err.toString()).isZero();
    try (ReferenceScores reference = new ReferenceScores(bundle);
        BundleScorerGrpcServer server = new BundleScorerGrpcServer(reference, 0)) {
      StringWriter remoteErr = new StringWriter();
      List<String> remote = new ArrayList<>(fits(train));
      remote.addAll(
          List.of(
              "--bundle",
              BundleScorerGrpcServer.MODEL + "=" + bundle,
              "--scorer",
              "localhost:" + server.port(),
              "--out",
              dir.resolve("remote").toString()));
      assertThat(fit(remoteErr, remote.toArray(String[]::new))).as(remoteErr.toString()).isZero();
      assertThat(server.streamRequests.get()).isPositive();
      assertThat(remoteErr.toString())
          .contains("mos fit: knn fit set: 12 images in")
          .contains("1 unreadable skipped, over grpc localhost:" + server.port());
    }
    FitStatistics.assertSame(dir.resolve("local"), dir.resolve("remote"), TOLERANCE);
  }

  /** A refused fit over gRPC: exit 2, nothing written, the scorer never called. */
  private String refused(Path bundle, String... args) throws Exception {
    try (ReferenceScores reference = new ReferenceScores(bundle);
        BundleScorerGrpcServer server = new BundleScorerGrpcServer(reference, 0)) {
      List<String> all =
          new ArrayList<>(
              List.of(
                  "--bundle",
                  BundleScorerGrpcServer.MODEL + "=" + bundle,
                  "--scorer",
                  "localhost:" + server.port(),
                  "--out",
                  dir.resolve("refused").toString()));
      all.addAll(List.of(args));
      StringWriter err = new StringWriter();
      assertThat(fit(err, all.toArray(String[]::new))).as(err.toString()).isEqualTo(2);
      assertThat(server.streamRequests.get() + server.unaryRequests.get()).isZero();
      assertThat(dir.resolve("refused")).doesNotExist();
      return err.toString();
    }
  }

  @Test
  void fitsThatNeedOtherGraphOutputsOrPerturbedInputsAreRefusedBeforeAnyWork() throws Exception {
    String train = trainSet(dir).toString();
    Path perturbable = PerturbationFixtures.bundle(dir);
    assertThat(
            refused(
                perturbable,
                "--mahalanobis-fit",
                train,
                "--mahalanobis-layers",
                "block1",
                "--mahalanobis-combiner",
                "sum",
                "--mahalanobis-validation",
                train))
        .contains(
            "the mahalanobis fit on layers [block1] needs the graph outputs [block1], which the"
                + " grpc transport cannot return")
        .contains("give --transport in-process, or --mahalanobis-layers features");
    assertThat(
            refused(
                perturbable,
                "--mahalanobis-fit",
                train,
                "--mahalanobis-layers",
                "features",
                "--mahalanobis-combiner",
                "sum",
                "--mahalanobis-validation",
                train,
                "--mahalanobis-magnitude",
                "0.01"))
        .contains("the mahalanobis fit with --mahalanobis-magnitude 0.01 needs perturbed inputs")
        .contains("give --transport in-process");
    assertThat(refused(perturbable, "--calibrate", train, "--calibrate-methods", "mahalanobis"))
        .contains("calibrating mahalanobis on layers [block1] needs the graph outputs [block1]")
        .contains("--calibrate-methods without mahalanobis");
    assertThat(
            refused(
                perturbable,
                "--odin-eps",
                "0.05",
                "--calibrate",
                train,
                "--calibrate-methods",
                "odin"))
        .contains("calibrating odin with epsilon 0.05 needs its perturbed inputs")
        .contains("give --transport in-process, --odin-eps 0, or --calibrate-methods without odin");
  }

  @Test
  void aScorerServingAnotherBundleIsRefusedByChecksum() throws Exception {
    Path train = trainSet(dir);
    Path served = TransportFixtures.bundle(dir);
    Path other = PerturbationFixtures.bundle(dir);
    try (ReferenceScores reference = new ReferenceScores(served);
        BundleScorerGrpcServer server = new BundleScorerGrpcServer(reference, 0)) {
      StringWriter err = new StringWriter();
      int code =
          fit(
              err,
              "--bundle",
              BundleScorerGrpcServer.MODEL + "=" + other,
              "--scorer",
              "localhost:" + server.port(),
              "--knn-fit",
              train.toString(),
              "--out",
              dir.resolve("out").toString());
      assertThat(code).isEqualTo(2);
      assertThat(err.toString())
          .contains("serves model 'synthetic' with checksum")
          .contains("give --bundle the bundle the scorer serves");
      assertThat(server.streamRequests.get()).isZero();
    }
  }
}
