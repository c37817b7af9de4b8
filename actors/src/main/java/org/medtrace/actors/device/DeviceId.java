package org.medtrace.actors.device;

import java.util.Optional;

/**
 * Identifies a medical device. The entity id is its UDI as printed (e.g. the GS1 form
 * {@code (01)00643169007222(21)BLC200461H}), or {@code <manufacturer>/<serial>} for a device without
 * one ({@link #of}).
 *
 * <p>An id is 1 to {@value #MAX_LENGTH} printable ASCII characters without whitespace. The UDI
 * standards (GS1, HIBCC, ICCBBA) use only ASCII, and keeping ids ASCII means two devices cannot have
 * look-alike ids that differ only in an invisible or homoglyph character.
 */
public record DeviceId(String value) {

  public static final int MAX_LENGTH = 120;

  public DeviceId {
    Optional<String> problem = problem(value);
    if (problem.isPresent()) {
      throw new IllegalArgumentException(problem.get());
    }
  }

  /**
   * The id {@code <manufacturer>/<serial>}. The manufacturer MUST NOT contain '/', so that the id
   * splits plainly at its first slash.
   */
  public static DeviceId of(String manufacturer, String serial) {
    if (manufacturer == null || manufacturer.isEmpty() || manufacturer.indexOf('/') >= 0) {
      throw new IllegalArgumentException("a manufacturer in a device id must be non-empty and without '/', was '" + manufacturer + "'");
    }
    if (serial == null || serial.isEmpty()) {
      throw new IllegalArgumentException("a device id needs a serial number");
    }
    return new DeviceId(manufacturer + "/" + serial);
  }

  public static DeviceId fromEntityId(String entityId) {
    return new DeviceId(entityId);
  }

  public String entityId() {
    return value;
  }

  /** Why {@code value} is not a valid device id, or empty if it is one. */
  public static Optional<String> problem(String value) {
    if (value == null || value.isEmpty() || value.length() > MAX_LENGTH) {
      return Optional.of(
          "a device id has 1-" + MAX_LENGTH + " characters, was " + (value == null ? "null" : value.length() + " characters"));
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '!' || c > '~') {
        return Optional.of(
            "a device id has only printable ASCII characters without whitespace; '"
                + value
                + "' has U+"
                + String.format("%04X", (int) c)
                + " at position "
                + i);
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return value;
  }
}
