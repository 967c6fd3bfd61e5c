package org.mos.common.image;

import java.util.List;

/**
 * The end report of a pipeline: how many inputs there were, how many were preprocessed and handed
 * out, and every unreadable input with its reason, in input order.
 */
public record PipelineReport(
    int inputs, int delivered, List<UnreadableImage> unreadable, double seconds) {

  public PipelineReport {
    unreadable = List.copyOf(unreadable);
  }

  @Override
  public String toString() {
    StringBuilder sb =
        new StringBuilder(
            String.format(
                "%d of %d images preprocessed in %.1f s, %d unreadable",
                delivered, inputs, seconds, unreadable.size()));
    for (UnreadableImage u : unreadable) {
      sb.append(System.lineSeparator()).append("  ").append(u);
    }
    return sb.toString();
  }
}
