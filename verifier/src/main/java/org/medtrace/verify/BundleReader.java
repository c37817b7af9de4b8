package org.medtrace.verify;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads a {@link HistoryBundle} from its JSON, strictly (see {@link BundleJson}), in format v3, v2 or v1. */
public final class BundleReader {

  private BundleReader() {}

  public static HistoryBundle read(Path file) throws IOException, BundleException {
    return read(Files.readAllBytes(file));
  }

  public static HistoryBundle read(byte[] json) throws BundleException {
    HistoryBundle bundle;
    try {
      JsonNode tree = BundleJson.MAPPER.readTree(json);
      if (tree == null || tree.isMissingNode()) {
        throw new BundleException("the bundle is empty");
      }
      if (!(tree instanceof ObjectNode document)) {
        throw new BundleException("the bundle is not a JSON object");
      }
      JsonNode format = document.get("format");
      if (format == null || !format.isTextual()) {
        throw new BundleException("the bundle has no format");
      }
      // An older format must not have the fields that came later, and is read as having them empty.
      List<String> later;
      if (HistoryBundle.FORMAT_V1.equals(format.textValue())) {
        later = List.of("certificates", "crl", "networkPolicy");
      } else if (HistoryBundle.FORMAT_V2.equals(format.textValue())) {
        later = List.of("networkPolicy");
      } else if (HistoryBundle.FORMAT.equals(format.textValue())) {
        later = List.of();
      } else {
        throw new BundleException(
            "format '" + format.textValue() + "' is none of " + HistoryBundle.FORMAT + ", " + HistoryBundle.FORMAT_V2 + ", " + HistoryBundle.FORMAT_V1);
      }
      for (String added : later) {
        if (document.has(added)) {
          throw new BundleException("a " + format.textValue() + " bundle has no field '" + added + "' (it came later)");
        }
        if (added.equals("certificates")) {
          document.putObject(added);
        } else {
          document.put(added, "");
        }
      }
      bundle = BundleJson.MAPPER.treeToValue(document, HistoryBundle.class);
    } catch (JacksonException e) {
      throw new BundleException("the bundle is not valid: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new BundleException("the bundle cannot be read: " + e.getMessage(), e);
    } catch (NullPointerException e) {
      // A list or map holding null (List.copyOf refuses it).
      throw new BundleException("the bundle holds a null where a value is required", e);
    }
    return bundle;
  }
}
