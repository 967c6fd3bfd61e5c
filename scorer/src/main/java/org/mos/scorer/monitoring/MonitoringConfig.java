package org.mos.scorer.monitoring;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * OOD monitoring of served scores ({@code scorer.monitoring.*}): score distributions, the share
 * flagged OOD and a drift statistic per model and method, exported on {@code /q/metrics}. See
 * docs/monitoring.md.
 */
@ConfigMapping(prefix = "scorer.monitoring")
public interface MonitoringConfig {

  /** Whether served scores are recorded at all (off: none of the series below exist). */
  @WithDefault("true")
  boolean enabled();

  /**
   * How many of the latest scores per model and method the sliding window keeps; the OOD share and
   * the drift statistic are computed over it.
   */
  @WithDefault("1000")
  int window();

  /**
   * The fewest scores in the window before the drift statistic is reported (NaN until then: a KS
   * statistic of a handful of scores is noise).
   */
  @WithDefault("100")
  int driftMinScores();
}
