package org.medtrace.ingest.epcis;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.medtrace.actors.batch.BatchId;

/**
 * The GS1 identifiers EPCIS events carry, in their two spellings: EPC URNs ({@code
 * urn:epc:id:sgtin:0614141.107346.2017}) and GS1 Digital Link URIs ({@code
 * https://id.gs1.org/01/00614141073467/21/2017}). Malformed identifiers throw {@link
 * IllegalArgumentException} naming the identifier and what is wrong.
 */
final class Gs1Identifiers {

  /** A trade item instance or class: its GTIN-14, the lot if the identifier names one, the serial if it is a unit. */
  record Item(String gtin, Optional<String> lot, Optional<String> serial) {}

  private static final Pattern EPC_SGTIN = Pattern.compile("urn:epc:id:sgtin:(\\d+)\\.(\\d+)\\.(.+)");
  private static final Pattern EPC_LGTIN = Pattern.compile("urn:epc:class:lgtin:(\\d+)\\.(\\d+)\\.(.+)");
  private static final Pattern EPC_SGLN = Pattern.compile("urn:epc:id:sgln:(\\d+)\\.(\\d*)\\.(.*)");
  private static final Pattern EPC_PGLN = Pattern.compile("urn:epc:id:pgln:(\\d+)\\.(\\d*)");
  private static final Pattern DIGITAL_LINK_ITEM =
      Pattern.compile("https?://[^/]+(?:/.*)?/01/(\\d{14})(?:/10/([^/?#]+))?(?:/21/([^/?#]+))?/?(?:[?#].*)?");
  private static final Pattern DIGITAL_LINK_GLN = Pattern.compile("https?://[^/]+(?:/.*)?/(?:414|417)/(\\d{13})(?:/.*)?");

  private Gs1Identifiers() {}

  /** An EPC of an epcList: an SGTIN or a Digital Link with a serial. */
  static Item instance(String uri) {
    Matcher sgtin = EPC_SGTIN.matcher(uri);
    if (sgtin.matches()) {
      return new Item(gtin(sgtin.group(1), sgtin.group(2), uri), Optional.empty(), Optional.of(decode(sgtin.group(3))));
    }
    Matcher link = DIGITAL_LINK_ITEM.matcher(uri);
    if (link.matches() && link.group(3) != null) {
      return new Item(checkedGtin(link.group(1), uri), Optional.ofNullable(link.group(2)).map(Gs1Identifiers::decode), Optional.of(decode(link.group(3))));
    }
    throw new IllegalArgumentException("'" + uri + "' is neither an SGTIN EPC nor a GS1 Digital Link with GTIN and serial");
  }

  /** An EPC class of a quantityList: an LGTIN or a Digital Link with GTIN and lot. */
  static Item lotClass(String uri) {
    Matcher lgtin = EPC_LGTIN.matcher(uri);
    if (lgtin.matches()) {
      return new Item(gtin(lgtin.group(1), lgtin.group(2), uri), Optional.of(decode(lgtin.group(3))), Optional.empty());
    }
    Matcher link = DIGITAL_LINK_ITEM.matcher(uri);
    if (link.matches() && link.group(2) != null && link.group(3) == null) {
      return new Item(checkedGtin(link.group(1), uri), Optional.of(decode(link.group(2))), Optional.empty());
    }
    throw new IllegalArgumentException("'" + uri + "' is neither an LGTIN class nor a GS1 Digital Link with GTIN and lot");
  }

  /** The GLN of a location or party: SGLN, PGLN or Digital Link (AI 414 or 417). */
  static Optional<String> gln(String uri) {
    if (uri == null) {
      return Optional.empty();
    }
    Matcher sgln = EPC_SGLN.matcher(uri);
    if (sgln.matches()) {
      return Optional.of(withCheckDigit(sgln.group(1) + sgln.group(2), 12, uri));
    }
    Matcher pgln = EPC_PGLN.matcher(uri);
    if (pgln.matches()) {
      return Optional.of(withCheckDigit(pgln.group(1) + pgln.group(2), 12, uri));
    }
    Matcher link = DIGITAL_LINK_GLN.matcher(uri);
    if (link.matches()) {
      return Optional.of(link.group(1));
    }
    return Optional.empty();
  }

  /**
   * The GTIN-14 of an SGTIN/LGTIN: the item reference's first digit (the indicator) moves to the
   * front, then the company prefix and the rest of the item reference, then the check digit.
   */
  static String gtin(String companyPrefix, String itemReference, String uri) {
    if (companyPrefix.length() + itemReference.length() != 13 || itemReference.isEmpty()) {
      throw new IllegalArgumentException(
          "'" + uri + "': company prefix and item reference must have 13 digits together, have "
              + (companyPrefix.length() + itemReference.length()));
    }
    String payload = itemReference.charAt(0) + companyPrefix + itemReference.substring(1);
    return withCheckDigit(payload, 13, uri);
  }

  /**
   * Appends the GS1 check digit to {@code payload}. The rule lives in {@link BatchId}; rather than
   * restating it, this finds the one digit that {@link BatchId#normaliseGtin} accepts (GLNs use the
   * same mod-10 rule over 13 digits, so a GLN's payload is checked as a GTIN-13).
   */
  private static String withCheckDigit(String payload, int payloadLength, String uri) {
    if (payload.length() != payloadLength) {
      throw new IllegalArgumentException("'" + uri + "' does not have " + payloadLength + " digits before the check digit");
    }
    for (char digit = '0'; digit <= '9'; digit++) {
      String candidate = payload + digit;
      try {
        BatchId.normaliseGtin(candidate);
        return candidate;
      } catch (IllegalArgumentException wrongDigit) {
        // exactly one digit is right; try the next
      }
    }
    throw new IllegalStateException("no GS1 check digit fits " + payload);
  }

  private static String checkedGtin(String gtin14, String uri) {
    try {
      return BatchId.normaliseGtin(gtin14);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + uri + "': " + e.getMessage());
    }
  }

  private static String decode(String part) {
    return URLDecoder.decode(part, StandardCharsets.UTF_8);
  }
}
