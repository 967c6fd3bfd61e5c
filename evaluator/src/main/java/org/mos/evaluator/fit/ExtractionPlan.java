package org.mos.evaluator.fit;

import java.nio.file.Path;
import org.mos.evaluator.evaluate.TransportOptions;

/**
 * Where {@code mos fit} runs the bundle over its image sets, and whether the outputs are cached.
 *
 * @param remote the remote transport ({@code --scorer}, {@code --kafka}, {@code --transport
 *     messaging}), or null to run the bundle in this process
 * @param model the model's name on the remote scorer (NAME of {@code --bundle NAME=PATH})
 * @param cache the root folder of the resumable chunk cache ({@code --cache}), or null for none
 * @param chunkRows images per cached chunk ({@code --cache-chunk})
 */
record ExtractionPlan(TransportOptions.Remote remote, String model, Path cache, int chunkRows) {

  /** Images per chunk by default: a multiple of every usual batch size. */
  static final int DEFAULT_CHUNK_ROWS = 1024;

  /** In this process, nothing cached. */
  static final ExtractionPlan IN_PROCESS = new ExtractionPlan(null, null, null, DEFAULT_CHUNK_ROWS);

  ExtractionPlan {
    if (chunkRows < 1) {
      throw FitException.usage("--cache-chunk is " + chunkRows + "; expected 1 or more");
    }
  }

  /** The transport's name in messages: {@code in-process}, {@code grpc}, {@code kafka}, ... */
  String transportName() {
    return remote == null ? "in-process" : remote.kind();
  }
}
