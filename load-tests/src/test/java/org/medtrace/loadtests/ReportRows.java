package org.medtrace.loadtests;

import java.util.ArrayList;
import java.util.List;

/** Reads rows of the benchmark's printed per-part tables back, for the tests of those tables. */
final class ReportRows {

  private ReportRows() {}

  /** The line that starts with {@code first} and a space. */
  static String row(List<String> lines, String first) {
    return lines.stream().filter(line -> line.startsWith(first + " ")).findFirst().orElseThrow(() -> new AssertionError("no row " + first));
  }

  /** The row's cells: its name, then the figures, separators dropped. */
  static List<String> cells(String row) {
    String name = row.substring(0, row.indexOf(" |")).trim();
    List<String> cells = new ArrayList<>(List.of(name));
    for (String cell : row.substring(row.indexOf(" |")).replace("|", " ").trim().split("\\s+")) {
      cells.add(cell);
    }
    return cells;
  }
}
