package org.mos.scorer.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a {@code Server-Timing} header as the W3C syntax defines it, independently of the code. */
final class ServerTimingHeader {

  private static final Pattern METRIC =
      Pattern.compile("([A-Za-z]+);dur=([0-9]+(?:\\.[0-9]+)?)(?:;desc=\"([^\"]*)\")?");

  /** Metric name -> duration in ms, in header order; fails on a malformed entry. */
  final Map<String, Double> durations = new LinkedHashMap<>();

  /** Metric name -> description, for the metrics that have one. */
  final Map<String, String> descriptions = new LinkedHashMap<>();

  ServerTimingHeader(String header) {
    assertThat(header).as("Server-Timing header").isNotNull();
    for (String entry : header.split(",")) {
      Matcher m = METRIC.matcher(entry.strip());
      assertThat(m.matches()).as("Server-Timing entry '%s'", entry).isTrue();
      durations.put(m.group(1), Double.parseDouble(m.group(2)));
      if (m.group(3) != null) {
        descriptions.put(m.group(1), m.group(3));
      }
    }
  }

  double total() {
    return durations.values().stream().mapToDouble(Double::doubleValue).sum();
  }
}
