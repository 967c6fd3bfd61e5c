package org.mos.common.cache;

import java.util.List;
import java.util.Map;
import org.mos.common.image.UnreadableImage;
import org.mos.common.score.FloatMatrix;

/**
 * The model outputs of one chunk of a {@link ChunkCache}: its readable images' rows and its
 * unreadable images.
 *
 * @param rows the index in the image list of each readable image, ascending
 * @param outputs each output's rows (one per readable image, in the order of {@code rows}); empty
 *     when no image of the chunk was readable
 * @param skipped the chunk's unreadable images, with their index in the image list
 */
public record CachedChunk(
    int[] rows, Map<String, FloatMatrix> outputs, List<UnreadableImage> skipped) {

  public CachedChunk {
    for (Map.Entry<String, FloatMatrix> e : outputs.entrySet()) {
      if (e.getValue().rows() != rows.length) {
        throw new IllegalArgumentException(
            "output '"
                + e.getKey()
                + "' has "
                + e.getValue().rows()
                + " rows for "
                + rows.length
                + " readable images");
      }
    }
  }
}
