package org.mos.trainer.config;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Keeps libtorch's oneDNN off the convolution kernels that crash on CPUs which report no cache
 * sizes.
 *
 * <p>oneDNN sizes the blocking of its brgemm convolutions (AVX2 and AVX-512) from the CPU's cache
 * sizes. Some virtual machines report none (Linux then has no {@code
 * /sys/devices/system/cpu/cpu0/cache}, {@code lscpu} lists no caches), and libtorch 2.7.1 dies with
 * SIGFPE in {@code brgemm_convolution_bwd_utils::brg_blocking_t::est_eff_1x1} at the first backward
 * pass through a convolution. Limiting oneDNN to AVX ({@code ONEDNN_MAX_CPU_ISA=AVX}) avoids those
 * kernels; training is then slower and its float rounding differs slightly. The guard sets the
 * variable in this process's C environment (oneDNN reads it when libtorch first runs a kernel, so
 * {@link #apply} must come before the first NDArray), silently; the line saying so is logged by
 * {@link #logDecision} where a command starts libtorch, so that {@code --help} and commands that
 * never run libtorch print nothing about it. A value the user set (either spelling of the variable)
 * is always kept.
 */
public final class OneDnnCpuGuard {

  private static final Logger LOG = Logger.getLogger(OneDnnCpuGuard.class.getName());

  /** oneDNN's variable for the highest instruction set it may use (older name: DNNL_...). */
  public static final String VARIABLE = "ONEDNN_MAX_CPU_ISA";

  static final String OLD_VARIABLE = "DNNL_MAX_CPU_ISA";

  /** The instruction set the guard falls back to. */
  public static final String SAFE_ISA = "AVX";

  static final Path CACHE_INFO = Path.of("/sys/devices/system/cpu/cpu0/cache");

  private static boolean applied;

  /** What {@link #apply} did, to be logged once by {@link #logDecision}; null when nothing. */
  private static String decision;

  private OneDnnCpuGuard() {}

  /** The C library's {@code setenv}, the one libtorch's {@code getenv} reads. */
  private interface CLibrary extends Library {
    int setenv(String name, String value, int overwrite);
  }

  /**
   * Sets {@code ONEDNN_MAX_CPU_ISA=AVX} for this process when the CPU reports no cache sizes and
   * the user chose no value; at most once per process.
   */
  public static synchronized void apply() {
    if (applied) {
      return;
    }
    applied = true;
    Optional<String> isa =
        decide(
            System.getProperty("os.name", ""),
            System.getenv(VARIABLE),
            System.getenv(OLD_VARIABLE),
            Files.isDirectory(CACHE_INFO));
    if (isa.isEmpty()) {
      return;
    }
    try {
      CLibrary c = Native.load("c", CLibrary.class);
      if (c.setenv(VARIABLE, isa.get(), 0) != 0) {
        decision = "could not set " + VARIABLE + "=" + isa.get() + "; libtorch may crash here";
        return;
      }
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      decision =
          "could not set "
              + VARIABLE
              + "="
              + isa.get()
              + " ("
              + e.getMessage()
              + ")"
              + "; libtorch may crash here";
      return;
    }
    decision =
        "this CPU reports no cache sizes (no "
            + CACHE_INFO
            + "), on which libtorch's oneDNN AVX2/AVX-512 convolution kernels crash: limiting"
            + " oneDNN to "
            + isa.get()
            + " ("
            + VARIABLE
            + "; set it yourself to choose)";
  }

  /**
   * Logs (a warning) what {@link #apply} did, if anything, once per process: called where a command
   * starts libtorch (a training run, the demo's training).
   */
  public static synchronized void logDecision() {
    if (decision != null) {
      LOG.warning(decision);
      decision = null;
    }
  }

  /**
   * The instruction-set limit to set, if any: only on Linux, only when neither variable is set,
   * only when the kernel found no cache information for the CPU.
   */
  static Optional<String> decide(
      String osName, String variable, String oldVariable, boolean cacheInfoPresent) {
    boolean linux = osName.toLowerCase(Locale.ROOT).startsWith("linux");
    if (!linux || variable != null || oldVariable != null || cacheInfoPresent) {
      return Optional.empty();
    }
    return Optional.of(SAFE_ISA);
  }
}
