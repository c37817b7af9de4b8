package org.medtrace.merkle;

import java.nio.charset.StandardCharsets;

/**
 * The constants of the medtrace verifiable log, format version 1 (merkle-log/FORMAT.md). Verifiers
 * outside this code depend on them and golden vectors pin them: changing any of them is a
 * compatibility event that MUST come with a new {@link #FORMAT_VERSION}.
 */
public final class LogFormat {

  public static final int FORMAT_VERSION = 1;

  /** Starts every leaf, so a log leaf can never be confused with any other hashed structure. */
  public static final byte[] LEAF_PREFIX = ascii("medtrace/log-leaf/v1\0");

  /** Starts the input of the slice hash, for the same reason. */
  public static final byte[] SLICE_PREFIX = ascii("medtrace/log-slice/v1\0");

  /**
   * The number of slices: independent trees, each with its own checkpoints, so that appends to
   * different slices need no common sequencer. Fixed, because an entity's slice is derived from
   * it: changing it moves entities between slices, which is a new format version.
   */
  public static final int SLICE_COUNT = 16;

  /** Separates the checkpoint origin of a slice from the log's name: {@code <log name>/slice-<n>}. */
  public static final String SLICE_ORIGIN_INFIX = "/slice-";

  /** Entity type and id MUST NOT contain it; it separates them in leaves and slice hashes. */
  static final byte FIELD_SEPARATOR = 0;

  private LogFormat() {}

  /** The checkpoint origin of {@code slice} of the log named {@code logName}. */
  public static String sliceOrigin(String logName, int slice) {
    if (slice < 0 || slice >= SLICE_COUNT) {
      throw new IllegalArgumentException("slice " + slice + " is not between 0 and " + (SLICE_COUNT - 1));
    }
    return logName + SLICE_ORIGIN_INFIX + slice;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
