package org.mos.scorer.limits;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * What one request may ask of the scorer ({@code scorer.limits.*}), on every transport: REST {@code
 * /v1} and {@code /v2}, gRPC and Kafka. Each budget is checked before the memory it guards is
 * allocated: encoded sizes from the body or part length, pixels from the image header, tensor
 * elements from the declared shape. Beyond a per-request limit the answer is 413 (gRPC {@code
 * RESOURCE_EXHAUSTED}) naming the key; when the work in flight is full it is 503 with {@code
 * Retry-After} ({@link Admission}).
 */
@ConfigMapping(prefix = "scorer.limits")
public interface ScorerLimits {

  /**
   * Largest request body in bytes (REST, via {@code quarkus.http.limits.max-body-size}) and largest
   * gRPC message (via {@code quarkus.grpc.server.max-inbound-message-size}): both are set from this
   * key in {@code application.properties}, so REST and gRPC accept the same sizes.
   */
  @WithDefault("67108864")
  int maxBodyBytes();

  /** Largest encoded image in bytes. */
  @WithDefault("20971520")
  int maxImageBytes();

  /**
   * Most pixels (width x height, read from the image header before decoding) of one image. The
   * default, 50 megapixels, takes any camera photo; a decoded pixel costs about 8 bytes of heap on
   * its way to the model.
   */
  @WithDefault("50000000")
  long maxImagePixels();

  /** Most images in one request. */
  @WithDefault("64")
  int maxImages();

  /** Most parts of one {@code multipart/form-data} request (checked before any part is read). */
  @WithDefault("64")
  int maxMultipartParts();

  /**
   * Most tensor elements one request may declare (the product of its shapes, checked before the
   * tensor is allocated); the default is 64 images of [3, 512, 512].
   */
  @WithDefault("50331648")
  long maxTensorElements();

  /**
   * Most work in flight in the whole service, in elements: decoded pixels of the images being
   * prepared or scored, plus the values of their model input tensors and of received tensors. 0
   * (the default) derives it from the heap: a sixteenth of the maximum heap in bytes, so that the
   * work in flight (about 8 bytes per element) takes at most half the heap. Beyond it: 503 with
   * {@code Retry-After}; a single request larger than all of it: 413.
   */
  @WithDefault("0")
  long maxInflightElements();

  /** Longest request URL (path and query) in characters; longer ones get 414. */
  @WithDefault("8192")
  int maxUrlLength();

  /** The {@code Retry-After} of a 503 when the work in flight is full (rounded up to seconds). */
  @WithDefault("1s")
  Duration retryAfter();
}
