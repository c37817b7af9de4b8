package org.medtrace.merkle.witness;

import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * medtrace's add-checkpoint exchange between a log and a witness: C2SP tlog-witness's
 * {@code add-checkpoint} carried as JSON, because the medtrace API speaks JSON and RFC 9457
 * problems.
 *
 * <pre>
 * POST /api/v1/witness/add-checkpoint
 * {"oldSize": 3, "consistencyProof": ["&lt;base64 hash&gt;", ...], "checkpoint": "&lt;signed note&gt;"}
 *
 * 200 text/plain: the witness's cosignature line(s), "— &lt;name&gt; &lt;base64&gt;\n", to append to the note
 * 409 witness-size-mismatch, member witnessSize: oldSize is not the size the witness last cosigned
 * 403 checkpoint-not-trusted (reason UNKNOWN_LOG or BAD_LOG_SIGNATURE)
 * 422 checkpoint-inconsistent (reason INCONSISTENT), log-fork-detected (evidence recorded)
 * 400 malformed request or note
 * </pre>
 *
 * As in tlog-witness, {@code oldSize} MUST equal the size the witness last cosigned for the
 * checkpoint's origin (0 if none), so that a witness never checks a proof against a size it did
 * not see; a log that gets 409 resends with a proof from {@code witnessSize}.
 */
public final class WitnessProtocol {

  /** The endpoint's path on a medtrace node. */
  public static final String ADD_CHECKPOINT_PATH = "/api/v1/witness/add-checkpoint";

  /** The problem member of a 409 that holds the witness's size. */
  public static final String WITNESS_SIZE_MEMBER = "witnessSize";

  /** The most proof hashes a request may carry (tlog-witness's limit; a proof between 64-bit sizes needs fewer). */
  public static final int MAX_PROOF_HASHES = 63;

  private static final Pattern WITNESS_SIZE = Pattern.compile("\"" + WITNESS_SIZE_MEMBER + "\"\\s*:\\s*(\\d{1,19})");

  private WitnessProtocol() {}

  /** The JSON request body. */
  public static String requestBody(long oldSize, List<byte[]> consistencyProof, String signedCheckpoint) {
    StringBuilder json = new StringBuilder("{\"oldSize\":").append(oldSize).append(",\"consistencyProof\":[");
    for (int i = 0; i < consistencyProof.size(); i++) {
      json.append(i == 0 ? "\"" : ",\"").append(Base64.getEncoder().encodeToString(consistencyProof.get(i))).append('"');
    }
    return json.append("],\"checkpoint\":").append(jsonString(signedCheckpoint)).append('}').toString();
  }

  /** The witness's size from the body of a 409 answer, if it has one. */
  public static Optional<Long> witnessSize(String conflictBody) {
    Matcher matcher = WITNESS_SIZE.matcher(conflictBody);
    return matcher.find() ? Optional.of(Long.parseLong(matcher.group(1))) : Optional.empty();
  }

  /** {@code text} as a JSON string literal (RFC 8259 section 7). */
  static String jsonString(String text) {
    StringBuilder out = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
