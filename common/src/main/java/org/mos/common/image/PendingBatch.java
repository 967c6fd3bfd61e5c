package org.mos.common.image;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A batch of a {@link PreprocessingPipeline} whose images workers are writing into {@code buffer},
 * one slot per input of {@code [first, end)}; the consumer waits on {@link #done}. Two kinds hold
 * no buffer: the end of an iterator source ({@link #isEnd()}) and its failure ({@link #error} with
 * {@link #errorIndex} -1).
 */
final class PendingBatch {

  /** Fills one slot: decode input {@code index} and preprocess it into {@code slot}. */
  @FunctionalInterface
  interface SlotWork {
    void fill(int index, FloatBuffer buffer, int slot) throws ImageDecodeException;
  }

  /** Told about each failure: {@code unexpected} for anything but an unreadable image. */
  @FunctionalInterface
  interface FailureListener {
    void failed(boolean unexpected);
  }

  final int number;
  final int first;
  final int end;
  final FloatBuffer buffer;
  final List<?> inputs;
  final ImageDecodeException[] failures;
  final CountDownLatch done;
  volatile Throwable error;
  volatile int errorIndex = -1;

  PendingBatch(int number, int first, List<?> inputs, FloatBuffer buffer) {
    this.number = number;
    this.first = first;
    this.end = first + inputs.size();
    this.inputs = inputs;
    this.buffer = buffer;
    this.failures = new ImageDecodeException[end - first];
    this.done = new CountDownLatch(end - first);
  }

  /** The marker after an iterator source's last batch. */
  static PendingBatch end(int number, int first) {
    return new PendingBatch(number, first, List.of(), null);
  }

  /** An iterator source threw {@code error} while pulling input {@code index}. */
  static PendingBatch sourceFailed(int number, int index, Throwable error) {
    PendingBatch failed = new PendingBatch(number, index, List.of(), null);
    failed.error = error;
    return failed;
  }

  /** Whether this is the end marker of an iterator source. */
  boolean isEnd() {
    return buffer == null && error == null;
  }

  /** Runs on a worker: fills the slot of input {@code index}, recording any failure. */
  void process(int index, SlotWork work, FailureListener listener) {
    try {
      work.fill(index, buffer, index - first);
    } catch (ImageDecodeException e) {
      failures[index - first] = e;
      listener.failed(false);
    } catch (RuntimeException | Error e) {
      errorIndex = index;
      error = e;
      listener.failed(true);
    } finally {
      done.countDown(); // publishes this slot's pixels and failure to the consumer
    }
  }

  /**
   * Moves the readable images to the front of the buffer, in input order, adds the unreadable ones
   * to {@code skipped}, and returns the input index of each packed row.
   */
  int[] pack(int floatsPerImage, List<UnreadableImage> skipped) {
    int[] rows = new int[failures.length];
    int count = 0;
    FloatBuffer source = buffer.duplicate();
    for (int slot = 0; slot < failures.length; slot++) {
      if (failures[slot] != null) {
        skipped.add(UnreadableImage.of(first + slot, failures[slot]));
        continue;
      }
      if (count != slot) {
        buffer.put(count * floatsPerImage, source, slot * floatsPerImage, floatsPerImage);
      }
      rows[count++] = first + slot;
    }
    return Arrays.copyOf(rows, count);
  }
}
