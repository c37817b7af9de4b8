package org.medtrace.verify;

import com.fasterxml.jackson.core.JacksonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a {@link HistoryBundle} from its JSON, strictly (see {@link BundleJson}). */
public final class BundleReader {

  private BundleReader() {}

  public static HistoryBundle read(Path file) throws IOException, BundleException {
    return read(Files.readAllBytes(file));
  }

  public static HistoryBundle read(byte[] json) throws BundleException {
    HistoryBundle bundle;
    try {
      bundle = BundleJson.MAPPER.readValue(json, HistoryBundle.class);
    } catch (JacksonException e) {
      throw new BundleException("the bundle is not valid: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new BundleException("the bundle cannot be read: " + e.getMessage(), e);
    } catch (NullPointerException e) {
      // A list or map holding null (List.copyOf refuses it).
      throw new BundleException("the bundle holds a null where a value is required", e);
    }
    if (bundle == null) {
      throw new BundleException("the bundle is empty");
    }
    if (!HistoryBundle.FORMAT.equals(bundle.format())) {
      throw new BundleException("format '" + bundle.format() + "' is not " + HistoryBundle.FORMAT);
    }
    return bundle;
  }
}
