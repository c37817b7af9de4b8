package org.medtrace.ingest.epcis;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The CBV business steps that change a drug batch on the ledger. */
public enum BizStep {
  COMMISSIONING,
  SHIPPING,
  RECEIVING,
  DISPENSING,
  DESTROYING;

  private static final String[] PREFIXES = {"urn:epcglobal:cbv:bizstep:", "https://ns.gs1.org/cbv/BizStep-", "cbv:BizStep-"};

  /** The CBV short name, as config keys and the EPCIS 2.0 JSON short form spell it. */
  public String shortName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The step named by {@code value} in its short form or as a CBV URI; empty for any other step. */
  public static Optional<BizStep> parse(String value) {
    if (value == null) {
      return Optional.empty();
    }
    String name = value;
    for (String prefix : PREFIXES) {
      if (name.startsWith(prefix)) {
        name = name.substring(prefix.length());
        break;
      }
    }
    String shortName = name;
    return Arrays.stream(values()).filter(step -> step.shortName().equals(shortName)).findFirst();
  }
}
