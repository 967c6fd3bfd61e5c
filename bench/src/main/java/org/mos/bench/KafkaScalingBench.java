package org.mos.bench;

import io.smallrye.mutiny.Multi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.mos.common.inference.InferenceOptions;
import org.mos.common.testkit.SingleNodeKafka;
import org.mos.evaluator.transport.ImageTask;
import org.mos.evaluator.transport.KafkaTransport;
import org.mos.evaluator.transport.ScoredImage;

/**
 * Throughput of a Kafka-transport run with 1, 2, 4, ... scorers in one consumer group, on an
 * in-process KRaft broker ({@code KafkaClusterTestKit}, the broker of {@code KafkaTransportIT}),
 * against the in-process pipeline of the same bundle and images (bench/kafka.md).
 *
 * <pre>
 * java -cp ... org.mos.bench.KafkaScalingBench IMAGES CONSUMERS WORK [ROUNDS] [PARTITIONS]
 * </pre>
 *
 * CONSUMERS is a comma list (e.g. {@code 1,2,4}). The bundle is {@link EvaluateBench}'s linear
 * synthetic one at 480 px and the images its 500x375 JPEGs, so a scorer's work is decode, resize,
 * normalise and a tiny forward pass. Each round and consumer count uses fresh topics (PARTITIONS
 * request partitions, 4 by default) and a fresh group, waits until every scorer holds a partition,
 * warms up with 64 images, then times one run of IMAGES images (window 64). Everything (broker,
 * scorers, evaluator) shares this machine's cores.
 */
public final class KafkaScalingBench {

  private KafkaScalingBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: KafkaScalingBench IMAGES CONSUMERS WORK [ROUNDS] [PARTITIONS]");
      System.exit(2);
    }
    int images = Integer.parseInt(args[0]);
    List<Integer> consumers = new ArrayList<>();
    for (String c : args[1].split(",")) {
      consumers.add(Integer.parseInt(c.trim()));
    }
    Path work = Path.of(args[2]);
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    int partitions = args.length > 4 ? Integer.parseInt(args[4]) : 4;
    Path bundle = EvaluateBench.synthetic(work.resolve("synthetic"));
    Path imageDir = EvaluateBench.images(work.resolve("images-" + images), images);
    List<ImageTask> tasks = tasks(imageDir);
    System.out.printf(
        "# %d images, %d request partitions, %d cores%n",
        images, partitions, Runtime.getRuntime().availableProcessors());
    double[] inProcess =
        EvaluateBench.pipeline(
            bundle,
            new InferenceOptions(org.mos.common.inference.Device.CPU, false, 1),
            imageDir,
            16,
            2);
    System.out.printf(
        Locale.ROOT, "# in-process pipeline (batch 16, 2 threads): %.1f images/s%n", inProcess[0]);
    System.out.println("round,consumers,images,seconds,images_per_s,cpu_ms_per_image");
    try (KafkaClusterTestKit cluster = SingleNodeKafka.start()) {
      String bootstrap = cluster.bootstrapServers();
      for (int r = 1; r <= rounds; r++) {
        for (int c : consumers) {
          double[] m = run(bootstrap, bundle, tasks, c, partitions, "r" + r + "c" + c);
          System.out.printf(
              Locale.ROOT, "%d,%d,%d,%.2f,%.1f,%.2f%n", r, c, images, m[0], images / m[0], m[1]);
        }
      }
    }
  }

  /** Seconds and process CPU ms per image of one timed run with {@code consumers} scorers. */
  private static double[] run(
      String bootstrap,
      Path bundle,
      List<ImageTask> tasks,
      int consumers,
      int partitions,
      String id)
      throws Exception {
    String requests = "bench.requests." + id;
    String replies = "bench.replies." + id;
    createTopics(bootstrap, requests, replies, partitions);
    List<KafkaBenchScorer> scorers = new ArrayList<>();
    try {
      for (int i = 0; i < consumers; i++) {
        scorers.add(new KafkaBenchScorer(bootstrap, bundle, "bench-" + id, requests, replies));
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!scorers.stream().allMatch(KafkaBenchScorer::assigned)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("not every scorer got a partition within 60 s");
        }
        Thread.sleep(20);
      }
      KafkaTransport.Settings settings =
          KafkaTransport.Settings.of(bootstrap, "bench")
              .withTopics(requests, replies)
              .withWindow(64);
      try (KafkaTransport kafka = KafkaTransport.connect(settings)) {
        score(kafka, tasks.subList(0, Math.min(64, tasks.size())));
        long cpu0 = EvaluateBench.cpuNanos();
        long t0 = System.nanoTime();
        int n = score(kafka, tasks);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpuMs = (EvaluateBench.cpuNanos() - cpu0) / 1e6 / n;
        if (n != tasks.size()) {
          throw new IllegalStateException(n + " results for " + tasks.size() + " images");
        }
        return new double[] {seconds, cpuMs};
      }
    } finally {
      for (KafkaBenchScorer s : scorers) {
        s.close();
      }
    }
  }

  private static int score(KafkaTransport kafka, List<ImageTask> tasks) {
    List<ScoredImage> results =
        kafka
            .score(Multi.createFrom().iterable(tasks), List.of())
            .collect()
            .asList()
            .await()
            .atMost(Duration.ofMinutes(10));
    if (results.stream().anyMatch(ScoredImage::failed)) {
      throw new IllegalStateException("an image failed: " + results);
    }
    return results.size();
  }

  private static List<ImageTask> tasks(Path imageDir) throws Exception {
    List<Path> files;
    try (var s = Files.list(imageDir)) {
      files = s.sorted().toList();
    }
    List<ImageTask> tasks = new ArrayList<>();
    for (Path f : files) {
      tasks.add(new ImageTask(tasks.size(), "id", f.getFileName().toString(), f, 0));
    }
    return tasks;
  }

  private static void createTopics(String bootstrap, String requests, String replies, int n)
      throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      admin
          .createTopics(
              List.of(new NewTopic(requests, n, (short) 1), new NewTopic(replies, 1, (short) 1)))
          .all()
          .get();
    }
  }
}
