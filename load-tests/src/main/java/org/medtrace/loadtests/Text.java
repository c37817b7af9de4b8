package org.medtrace.loadtests;

/** Text layout for the benchmark's printed report. */
final class Text {

  private Text() {}

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
