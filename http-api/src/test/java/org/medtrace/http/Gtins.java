package org.medtrace.http;

/** GTINs with correct check digits, for tests. */
public final class Gtins {

  private Gtins() {}

  /** {@code payload} (7, 11, 12 or 13 digits) followed by its GS1 check digit. */
  public static String withCheckDigit(String payload) {
    int sum = 0;
    for (int i = 0; i < payload.length(); i++) {
      int digit = payload.charAt(payload.length() - 1 - i) - '0';
      sum += i % 2 == 0 ? digit * 3 : digit;
    }
    return payload + (10 - sum % 10) % 10;
  }
}
