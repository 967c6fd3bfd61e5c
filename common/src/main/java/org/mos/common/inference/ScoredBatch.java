package org.mos.common.inference;

import java.util.List;
import java.util.Map;

/**
 * The results of one scored batch.
 *
 * @param images one result per image, in input order
 * @param decisionsOmitted method id -> why its decisions are missing (no calibration scores)
 */
public record ScoredBatch(List<ImageResult> images, Map<String, String> decisionsOmitted) {
  public ScoredBatch {
    images = List.copyOf(images);
    decisionsOmitted = Map.copyOf(decisionsOmitted);
  }
}
