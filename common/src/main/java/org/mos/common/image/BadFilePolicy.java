package org.mos.common.image;

/** What a {@link PreprocessingPipeline} does with an input it cannot decode. */
public enum BadFilePolicy {
  /**
   * Leave it out and go on: its batch holds one image fewer and lists it in {@link
   * ImageBatch#skipped()}; {@link PipelineReport#unreadable()} lists every such input at the end.
   */
  SKIP,
  /** Stop: {@link PreprocessingPipeline#next()} throws for the first unreadable input in order. */
  FAIL
}
