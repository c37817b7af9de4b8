package org.medtrace.identity;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;

/**
 * The network's policy, signed by the network CA ({@code ca policy}): how many witness
 * organisations must cosign a checkpoint for it to count as witnessed. An export carries it, so that
 * an auditor with only the CA's certificate learns k from the CA — neither the log's operator nor
 * the bundle alone fixes it.
 *
 * <p>Its text, UTF-8 lines each ending in {@code \n}:
 *
 * <pre>
 * medtrace-network-policy/v1
 * ca &lt;the CA certificate's key id: SHA-256 fingerprint, 64 lower-case hex digits&gt;
 * witness-quorum &lt;k, 1 or more&gt;
 * issued-at &lt;ISO-8601 UTC instant, seconds&gt;
 * signature &lt;base64 Ed25519 signature by the CA's key over the four lines above&gt;
 * </pre>
 *
 * A newer policy replaces an older one where the node keeps it ({@code network-policy.txt} of the
 * trust directory); a verifier cannot tell whether a newer one exists, and names the issuing time.
 */
public record NetworkPolicy(String caKeyId, int witnessQuorum, Instant issuedAt, String text) {

  public static final String FORMAT = "medtrace-network-policy/v1";

  /** The policy of {@code witnessQuorum}, signed now ({@code issuedAt}) by the CA's key. */
  static NetworkPolicy sign(X509Certificate ca, PrivateKey caKey, int witnessQuorum, Instant issuedAt) {
    if (witnessQuorum < 1) {
      throw new IllegalArgumentException("the witness quorum must be at least 1, was " + witnessQuorum);
    }
    String signed = signedLines(IssuedCertificate.fingerprint(ca), witnessQuorum, Instant.ofEpochSecond(issuedAt.getEpochSecond()));
    try {
      Signature signer = Signature.getInstance(NetworkCa.ALGORITHM);
      signer.initSign(caKey);
      signer.update(signed.getBytes(StandardCharsets.UTF_8));
      String text = signed + "signature " + Base64.getEncoder().encodeToString(signer.sign()) + "\n";
      return verify(text, ca);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with the CA's key: " + e.getMessage(), e);
    }
  }

  /**
   * The policy in {@code text}, if it is one of this form signed by {@code ca}.
   *
   * @throws IllegalArgumentException saying what is wrong: not the form, another CA, a signature
   *     that does not verify
   */
  public static NetworkPolicy verify(String text, X509Certificate ca) {
    if (!text.endsWith("\n")) {
      throw new IllegalArgumentException("the network policy does not end with a newline");
    }
    List<String> lines = List.of(text.substring(0, text.length() - 1).split("\n", -1));
    if (lines.size() != 5 || !lines.get(0).equals(FORMAT)) {
      throw new IllegalArgumentException("the network policy is not five lines starting with " + FORMAT);
    }
    String caKeyId = field(lines.get(1), "ca");
    int quorum;
    Instant issuedAt;
    try {
      quorum = Integer.parseInt(field(lines.get(2), "witness-quorum"));
      issuedAt = Instant.parse(field(lines.get(3), "issued-at"));
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException("the network policy has a malformed value: " + e.getMessage(), e);
    }
    String signed = signedLines(caKeyId, quorum, issuedAt);
    if (quorum < 1 || !text.startsWith(signed)) {
      throw new IllegalArgumentException("the network policy is not in canonical form");
    }
    String expectedCa = IssuedCertificate.fingerprint(ca);
    if (!caKeyId.equals(expectedCa)) {
      throw new IllegalArgumentException("the network policy names CA " + caKeyId + ", not the network CA " + expectedCa);
    }
    String encodedSignature = field(lines.get(4), "signature");
    boolean valid;
    try {
      Signature verifier = Signature.getInstance(NetworkCa.ALGORITHM);
      verifier.initVerify(ca.getPublicKey());
      verifier.update(signed.getBytes(StandardCharsets.UTF_8));
      valid = verifier.verify(Base64.getDecoder().decode(encodedSignature));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      // Not base64, or not an Ed25519 signature: no valid one either way.
      valid = false;
    }
    if (!valid) {
      throw new IllegalArgumentException("the network policy's signature does not verify with the network CA's key");
    }
    return new NetworkPolicy(caKeyId, quorum, issuedAt, text);
  }

  private static String signedLines(String caKeyId, int quorum, Instant issuedAt) {
    return FORMAT + "\nca " + caKeyId + "\nwitness-quorum " + quorum + "\nissued-at " + issuedAt + "\n";
  }

  private static String field(String line, String name) {
    if (!line.startsWith(name + " ")) {
      throw new IllegalArgumentException("the network policy has no '" + name + "' line where expected");
    }
    return line.substring(name.length() + 1);
  }
}
