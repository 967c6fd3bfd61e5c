package org.mos.scorer.kserve;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The most elements one v2 input tensor may declare ({@code mos.scorer.limits.max-tensor-elements},
 * default 16,777,216 = 64 MiB of FP32). Checked on the declared shape before any buffer for the
 * data is allocated, on REST and gRPC alike.
 */
// The scorer's other limits are moving to a typed mapping of mos.scorer.limits.*; this accessor
// reads the same key, so that it can become one method of that mapping.
@ApplicationScoped
public class TensorBudget {

  /** The configuration key. */
  public static final String KEY = "mos.scorer.limits.max-tensor-elements";

  private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

  private final long maxElements;

  public TensorBudget(@ConfigProperty(name = KEY, defaultValue = "16777216") long maxElements) {
    if (maxElements < 1 || maxElements > MAX_ARRAY) {
      throw new IllegalArgumentException(
          KEY + " is " + maxElements + "; expected 1 to " + MAX_ARRAY + " (a Java array's most)");
    }
    this.maxElements = maxElements;
  }

  /** The most elements one input tensor may declare. */
  public long maxElements() {
    return maxElements;
  }
}
