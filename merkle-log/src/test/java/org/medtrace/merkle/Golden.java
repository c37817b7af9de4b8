package org.medtrace.merkle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;

/** Reads the golden files under src/test/resources/golden. */
public final class Golden {

  private static final HexFormat HEX = HexFormat.of();

  private final Properties values = new Properties();
  private final String name;

  private Golden(String name) {
    this.name = name;
    try (InputStream in = Golden.class.getResourceAsStream("/golden/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing golden file " + name);
      }
      values.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Golden load(String name) {
    return new Golden(name);
  }

  public String text(String key) {
    String value = values.getProperty(key);
    if (value == null) {
      throw new IllegalStateException(name + " has no " + key);
    }
    return value;
  }

  public byte[] hex(String key) {
    return HEX.parseHex(text(key));
  }

  public List<byte[]> hexList(String key) {
    String value = text(key);
    return value.isEmpty() ? List.of() : Arrays.stream(value.split(",")).map(HEX::parseHex).toList();
  }
}
