package org.medtrace.loadtests;

import java.util.List;
import java.util.Locale;

/** Text layout for the benchmark's printed report. */
final class Text {

  private Text() {}

  /**
   * The head of a table with a group of columns per part: the title, the explanation wrapped, the
   * parts' labels over their groups, then {@code rowHeading} and each group's column headings.
   *
   * @param columnHeadings one group's headings, as wide as the group
   */
  static String partTableHead(
      String title, String explanation, int nameWidth, String rowHeading, List<String> parts, String columnHeadings) {
    String name = "%-" + nameWidth + "s";
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%n%s:%n", title));
    out.append(wrap(explanation, 100));
    out.append(String.format(Locale.ROOT, name, ""));
    for (String part : parts) {
      out.append(String.format(Locale.ROOT, " | %" + columnHeadings.length() + "s", label(part)));
    }
    out.append(System.lineSeparator()).append(String.format(Locale.ROOT, name, rowHeading));
    for (int i = 0; i < parts.size(); i++) {
      out.append(" | ").append(columnHeadings);
    }
    return out.append(System.lineSeparator()).toString();
  }

  /** {@code "(a)"} of {@code "(a) raw Cassandra inserts"}; a name without such a prefix, whole. */
  static String label(String part) {
    int end = part.indexOf(')');
    return part.startsWith("(") && end > 0 ? part.substring(0, end + 1) : part;
  }

  /** {@code text} in lines of at most {@code width} characters (a longer word gets its own), each indented two spaces. */
  static String wrap(String text, int width) {
    StringBuilder out = new StringBuilder();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        out.append("  ").append(line).append(System.lineSeparator());
        line.setLength(0);
      }
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append(word);
    }
    if (line.length() > 0) {
      out.append("  ").append(line).append(System.lineSeparator());
    }
    return out.toString();
  }
}
