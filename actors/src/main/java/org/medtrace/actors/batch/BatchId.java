package org.medtrace.actors.batch;

import java.util.regex.Pattern;

/**
 * Identifies a drug batch: its GTIN (normalised to 14 digits, check digit verified) and lot. The
 * entity id is {@code <gtin14>/<lot>}.
 */
public record BatchId(String gtin, String lot) {

  private static final Pattern DIGITS = Pattern.compile("\\d{8}|\\d{12,14}");
  // GS1 allows up to 20 characters in a lot (AI 10); '/' is left out so the entity id splits plainly.
  private static final Pattern LOT = Pattern.compile("[A-Za-z0-9._-]{1,20}");

  public BatchId {
    gtin = normaliseGtin(gtin);
    if (lot == null || !LOT.matcher(lot).matches()) {
      throw new IllegalArgumentException(
          "lot must be 1-20 characters of letters, digits, '.', '_' or '-', was '" + lot + "'");
    }
  }

  public static BatchId fromEntityId(String entityId) {
    int slash = entityId.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("a batch id is <gtin>/<lot>, was '" + entityId + "'");
    }
    return new BatchId(entityId.substring(0, slash), entityId.substring(slash + 1));
  }

  public String entityId() {
    return gtin + "/" + lot;
  }

  /** GTIN-8, -12, -13 or -14, check digit verified, left-padded with zeros to 14 digits. */
  public static String normaliseGtin(String gtin) {
    if (gtin == null || !DIGITS.matcher(gtin).matches()) {
      throw new IllegalArgumentException("a GTIN has 8, 12, 13 or 14 digits, was '" + gtin + "'");
    }
    String gtin14 = "0".repeat(14 - gtin.length()) + gtin;
    if (checkDigit(gtin14.substring(0, 13)) != gtin14.charAt(13) - '0') {
      throw new IllegalArgumentException("GTIN " + gtin + " has a wrong check digit");
    }
    return gtin14;
  }

  /** GS1 mod-10: weights 3 and 1 alternate from the rightmost digit of the payload. */
  private static int checkDigit(String payload) {
    int sum = 0;
    for (int i = 0; i < payload.length(); i++) {
      int digit = payload.charAt(payload.length() - 1 - i) - '0';
      sum += i % 2 == 0 ? digit * 3 : digit;
    }
    return (10 - sum % 10) % 10;
  }
}
