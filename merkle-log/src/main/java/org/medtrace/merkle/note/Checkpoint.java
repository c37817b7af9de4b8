package org.medtrace.merkle.note;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.medtrace.merkle.Rfc9162;

/**
 * A C2SP tlog-checkpoint body: origin, tree size, base64 root hash, then optional extension lines,
 * each line ending in a newline. medtrace logs write one extension line, {@code time <seconds>}:
 * when the log signed it (POSIX seconds), so that a reader can tell how fresh it is.
 *
 * @param origin the log and slice, e.g. {@code medtrace.example/ledger/slice-3}
 */
public record Checkpoint(String origin, long size, byte[] rootHash, List<String> extensions) {

  /** The prefix of the extension line that carries the signing time. */
  public static final String TIME_EXTENSION_PREFIX = "time ";

  public Checkpoint {
    if (origin == null || origin.isEmpty() || origin.chars().anyMatch(c -> c == '+' || c <= ' ')) {
      throw new IllegalArgumentException("origin '" + origin + "' must be non-empty, without spaces or '+'");
    }
    if (size < 0) {
      throw new IllegalArgumentException("tree size must not be negative");
    }
    if (rootHash.length != Rfc9162.HASH_LENGTH) {
      throw new IllegalArgumentException("root hash must be " + Rfc9162.HASH_LENGTH + " bytes");
    }
    for (String extension : extensions) {
      if (extension.isEmpty() || extension.chars().anyMatch(c -> c < 0x20)) {
        throw new IllegalArgumentException("extension lines must be non-empty single lines");
      }
    }
    rootHash = rootHash.clone();
    extensions = List.copyOf(extensions);
  }

  /** A checkpoint stamped with the time it is signed. */
  public static Checkpoint at(String origin, long size, byte[] rootHash, Instant time) {
    return new Checkpoint(origin, size, rootHash, List.of(TIME_EXTENSION_PREFIX + time.getEpochSecond()));
  }

  @Override
  public byte[] rootHash() {
    return rootHash.clone();
  }

  /** The note text. */
  public String body() {
    StringBuilder body = new StringBuilder()
        .append(origin).append('\n')
        .append(size).append('\n')
        .append(Base64.getEncoder().encodeToString(rootHash)).append('\n');
    extensions.forEach(line -> body.append(line).append('\n'));
    return body.toString();
  }

  /** The signing time from the {@code time} extension line, if there is one. */
  public Optional<Instant> time() {
    return extensions.stream()
        .filter(line -> line.startsWith(TIME_EXTENSION_PREFIX))
        .findFirst()
        .flatMap(line -> parseDecimal(line.substring(TIME_EXTENSION_PREFIX.length())))
        .map(Instant::ofEpochSecond);
  }

  /** Checkpoints are equal when their texts are (a record would compare the root arrays by identity). */
  @Override
  public boolean equals(Object other) {
    return other instanceof Checkpoint checkpoint && checkpoint.body().equals(body());
  }

  @Override
  public int hashCode() {
    return body().hashCode();
  }

  @Override
  public String toString() {
    return body();
  }

  /** True when both checkpoints name the same tree: same origin, size and root (extensions aside). */
  public boolean sameTreeAs(Checkpoint other) {
    return origin.equals(other.origin) && size == other.size && MessageDigest.isEqual(rootHash, other.rootHash);
  }

  /** Parses a checkpoint body strictly. */
  public static Checkpoint parse(String body) throws NoteException {
    if (!body.endsWith("\n")) {
      throw malformed("the body does not end with a newline");
    }
    String[] lines = body.substring(0, body.length() - 1).split("\n", -1);
    if (lines.length < 3) {
      throw malformed("a checkpoint has at least three lines (origin, size, root hash), this has " + lines.length);
    }
    String origin = lines[0];
    if (origin.isEmpty() || origin.chars().anyMatch(c -> c == '+' || c <= ' ')) {
      throw malformed("origin '" + origin + "' is empty or contains a space or '+'");
    }
    long size =
        parseDecimal(lines[1])
            .orElseThrow(() -> malformed("tree size '" + lines[1] + "' is not a decimal number without leading zeros"));
    byte[] root = Notes.decodeBase64(lines[2], NoteProblem.MALFORMED_CHECKPOINT, "root hash");
    if (root.length != Rfc9162.HASH_LENGTH) {
      throw malformed("root hash is " + root.length + " bytes, not " + Rfc9162.HASH_LENGTH);
    }
    List<String> extensions = new ArrayList<>();
    for (int i = 3; i < lines.length; i++) {
      if (lines[i].isEmpty()) {
        throw malformed("extension line " + (i - 2) + " is empty");
      }
      extensions.add(lines[i]);
    }
    return new Checkpoint(origin, size, root, extensions);
  }

  /**
   * Verifies the log's signature on {@code note} and parses its text as a checkpoint.
   *
   * @throws NoteException if the log key did not sign it, its signature is bad, or the text is not
   *     a checkpoint
   */
  public static Checkpoint verify(SignedNote note, NoteKey logKey) throws NoteException {
    note.verify(logKey);
    return parse(note.text());
  }

  /** Signs this checkpoint as the log. */
  public SignedNote sign(NoteSigner logSigner) {
    return SignedNote.sign(body(), logSigner);
  }

  private static Optional<Long> parseDecimal(String text) {
    if (!text.matches("0|[1-9][0-9]{0,18}")) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(text));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static NoteException malformed(String detail) {
    return new NoteException(NoteProblem.MALFORMED_CHECKPOINT, detail);
  }
}
