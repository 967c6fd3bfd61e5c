package org.mos.scorer.limits;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.mos.scorer.service.ScoringProblem;

/**
 * Admission control: bounds the work in flight in the whole service, in elements (decoded pixels
 * and tensor values, {@link ScorerLimits#maxInflightElements()}). A request takes a {@link Permit}
 * for its elements before it allocates them and closes it (in a {@code finally} or
 * try-with-resources) when its answer is built. When the budget is full the request is refused at
 * once with a 503 and {@code Retry-After} ({@link ScoringProblem#busy}); it is never queued without
 * limit. A request that alone exceeds the whole budget gets 413: it could never be served.
 */
@ApplicationScoped
public class Admission {

  private final long capacity;
  private final long retryAfterSeconds;
  private final Counter refused;
  private long inFlight; // guarded by this

  @Inject
  public Admission(ScorerLimits limits, MeterRegistry meters) {
    this(capacityOf(limits), limits.retryAfter(), meters);
  }

  Admission(long capacity, Duration retryAfter, MeterRegistry meters) {
    if (capacity <= 0) {
      throw new IllegalArgumentException(
          "scorer.limits.max-inflight-elements must be positive (or 0 for the heap-derived"
              + " default), got "
              + capacity);
    }
    this.capacity = capacity;
    this.retryAfterSeconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    this.refused =
        Counter.builder("mos.scorer.admission.refused")
            .description("Requests refused with 503 because the work in flight was full")
            .register(meters);
    Gauge.builder("mos.scorer.inflight.elements", this, Admission::inFlight)
        .description("Pixels and tensor elements being decoded, queued or scored")
        .register(meters);
  }

  /** The configured budget, or the heap-derived default when it is 0. */
  static long capacityOf(ScorerLimits limits) {
    long configured = limits.maxInflightElements();
    return configured != 0 ? configured : Math.max(1, Runtime.getRuntime().maxMemory() / 16);
  }

  /** The budget in elements. */
  public long capacity() {
    return capacity;
  }

  /** The elements held by permits now. */
  public synchronized long inFlight() {
    return inFlight;
  }

  /**
   * Takes {@code elements} of the budget now, or refuses.
   *
   * @param what names the request in the error, e.g. {@code "the request's 3 images"}
   * @throws ScoringProblem 503 (busy, with Retry-After) when the budget is full now; 413 when
   *     {@code elements} exceed the whole budget
   */
  public Permit tryAdmit(long elements, String what) {
    checkFits(elements, what);
    synchronized (this) {
      if (inFlight + elements > capacity) {
        refused.increment();
        throw busy(what, elements);
      }
      inFlight += elements;
    }
    return new Permit(elements);
  }

  /**
   * Takes {@code elements} of the budget, waiting up to {@code maxWait} for other requests to
   * finish: for pull-based transports (Kafka), where waiting is the natural back-pressure.
   *
   * @throws ScoringProblem as {@link #tryAdmit}, the 503 only after {@code maxWait}
   * @throws InterruptedException when interrupted while waiting
   */
  public Permit admit(long elements, String what, Duration maxWait) throws InterruptedException {
    checkFits(elements, what);
    long deadline = System.nanoTime() + maxWait.toNanos();
    synchronized (this) {
      while (inFlight + elements > capacity) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          refused.increment();
          throw busy(what, elements);
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      inFlight += elements;
    }
    return new Permit(elements);
  }

  private void checkFits(long elements, String what) {
    if (elements < 0) {
      throw new IllegalArgumentException("negative work: " + elements);
    }
    if (elements > capacity) {
      throw ScoringProblem.tooLarge(
          what
              + " need "
              + elements
              + " elements (pixels and tensor values) at once; the whole service allows "
              + capacity
              + " in flight (scorer.limits.max-inflight-elements)");
    }
  }

  private ScoringProblem busy(String what, long elements) {
    return ScoringProblem.busy(
        "the scorer is at its limit of work in flight ("
            + capacity
            + " elements, scorer.limits.max-inflight-elements) and cannot take "
            + what
            + " ("
            + elements
            + " elements) now; retry after "
            + retryAfterSeconds
            + " s",
        retryAfterSeconds);
  }

  private synchronized void release(long elements) {
    inFlight -= elements;
    notifyAll();
  }

  /** A share of the budget; closing it (once; later closes do nothing) gives it back. */
  public final class Permit implements AutoCloseable {
    private final long elements;
    private final AtomicBoolean open = new AtomicBoolean(true);

    private Permit(long elements) {
      this.elements = elements;
    }

    /** The elements this permit holds. */
    public long elements() {
      return elements;
    }

    @Override
    public void close() {
      if (open.compareAndSet(true, false)) {
        release(elements);
      }
    }
  }
}
