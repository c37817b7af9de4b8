package org.medtrace.persistence.chain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/** Reads and writes the PEM files of the node's keys ({@code openssl genpkey} / {@code openssl pkey -pubout}). */
public final class PemFiles {

  public static final String PRIVATE_KEY = "PRIVATE KEY";
  public static final String PUBLIC_KEY = "PUBLIC KEY";

  private PemFiles() {}

  /** The DER content of the first {@code label} block of {@code file}. */
  public static byte[] read(String file, String label) throws IOException {
    String pem = Files.readString(Path.of(file));
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int from = pem.indexOf(begin);
    int to = pem.indexOf(end);
    if (from < 0 || to < from) {
      throw new IllegalArgumentException("no " + label + " block in " + file);
    }
    return Base64.getDecoder().decode(pem.substring(from + begin.length(), to).replaceAll("\\s", ""));
  }

  /** The PEM text of {@code der} under {@code label}. */
  public static String format(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }
}
