package org.mos.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.mos.common.image.ImageDecoder;
import org.mos.common.image.ImageHeader;

/**
 * What the scorer's pixel budget costs per image: CPU time of decoding the JPEGs of a folder as the
 * scorer did before (decode only) and as it does now (the header read that checks the budget, then
 * decode), in alternating rounds on one thread, so that the box's load swings hit both alike.
 *
 * <pre>
 * java -cp ... org.mos.bench.HeaderCheckBench DIR [ROUNDS]
 * </pre>
 */
public final class HeaderCheckBench {

  private HeaderCheckBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    List<byte[]> images = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(p -> p.toString().endsWith(".jpg")).sorted().toList()) {
        images.add(Files.readAllBytes(p));
      }
    }
    ImageDecoder decoder = ImageDecoder.pillowCompatible();
    for (int i = 0; i < 3; i++) { // warm-up
      run(images, decoder, false);
      run(images, decoder, true);
    }
    long before = 0;
    long after = 0;
    long headerOnly = 0;
    for (int r = 0; r < rounds; r++) {
      before += run(images, decoder, false);
      after += run(images, decoder, true);
      headerOnly += headers(images);
    }
    long n = (long) rounds * images.size();
    System.out.printf(
        "%d images x %d rounds: decode only %.3f ms CPU/image; header check + decode %.3f ms;"
            + " ratio %.3f; header read alone %.4f ms%n",
        images.size(),
        rounds,
        before / 1e6 / n,
        after / 1e6 / n,
        (double) after / before,
        headerOnly / 1e6 / n);
  }

  private static long run(List<byte[]> images, ImageDecoder decoder, boolean check)
      throws Exception {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long cpu = mx.getCurrentThreadCpuTime();
    long pixels = 0;
    for (byte[] image : images) {
      if (check) {
        pixels += ImageHeader.read(image, "bench").pixels();
      }
      pixels += decoder.decode(image, "bench").width();
    }
    if (pixels < 0) {
      throw new IllegalStateException();
    }
    return mx.getCurrentThreadCpuTime() - cpu;
  }

  private static long headers(List<byte[]> images) throws Exception {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long cpu = mx.getCurrentThreadCpuTime();
    long pixels = 0;
    for (byte[] image : images) {
      pixels += ImageHeader.read(image, "bench").pixels();
    }
    if (pixels < 0) {
      throw new IllegalStateException();
    }
    return mx.getCurrentThreadCpuTime() - cpu;
  }
}
