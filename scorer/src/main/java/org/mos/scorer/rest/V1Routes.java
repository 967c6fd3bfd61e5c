package org.mos.scorer.rest;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The methods each {@code /v1} path takes, for 405 answers: the REST layer answers a known path
 * with a wrong method as not found, because {@code /v1/models} and {@code /v1/models/{model}/score}
 * are served by different resource classes.
 */
final class V1Routes {

  private static final Pattern MODELS = Pattern.compile("/v1/models/?");
  private static final Pattern MODEL = Pattern.compile("/v1/models/[^/]+/?");
  private static final Pattern SCORE = Pattern.compile("/v1/models/[^/]+/score/?");

  private V1Routes() {}

  /** The allowed methods of {@code path}, or empty when it is no {@code /v1} resource. */
  static Optional<String> allowedMethods(String path) {
    if (path == null) {
      return Optional.empty();
    }
    if (SCORE.matcher(path).matches()) {
      return Optional.of("POST");
    }
    if (MODELS.matcher(path).matches() || MODEL.matcher(path).matches()) {
      return Optional.of("GET");
    }
    return Optional.empty();
  }
}
