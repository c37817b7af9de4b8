package org.medtrace.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.medtrace.ingest.route.SourceRecord;

/** Sample messages from {@code src/test/resources/samples/}. */
public final class Samples {

  private Samples() {}

  public static byte[] bytes(String path) {
    try (InputStream in = Samples.class.getResourceAsStream("/samples/" + path)) {
      if (in == null) {
        throw new IllegalArgumentException("no sample " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static SourceRecord record(String path) {
    return SourceRecord.ofValue(bytes(path));
  }
}
