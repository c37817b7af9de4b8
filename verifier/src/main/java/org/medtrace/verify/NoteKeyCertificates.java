package org.medtrace.verify;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.medtrace.identity.CertificateCheck;
import org.medtrace.identity.IssuedCertificate;
import org.medtrace.identity.NetworkTrust;
import org.medtrace.identity.NoteKeyRole;
import org.medtrace.identity.Pem;
import org.medtrace.merkle.note.NoteKey;

/**
 * Whose the bundle's note keys are, by the network CA: the certificates of the log's key and the
 * witnesses' keys that the exporter put in the bundle's {@code certificates} (merkle-log/FORMAT.md,
 * section 6), checked against the CA the auditor gave ({@code --ca}) and the bundle's CA-signed CRL.
 *
 * <p>A key is certified when the bundle holds a certificate for exactly its public key that passes
 * {@link NetworkTrust#checkNoteKey} for the role at the checkpoint's time; a key may have several
 * (a renewed one), one good one suffices, and when none is good every refusal is named.
 */
final class NoteKeyCertificates {

  /** The verdict on one note key. */
  sealed interface Certification {}

  /** Certified: {@code certificate} names the organisation that holds the key. */
  record Certified(IssuedCertificate certificate) implements Certification {}

  /** Not certified, and exactly why (every candidate certificate's refusal, or that there is none). */
  record NotCertified(String why) implements Certification {}

  private final NetworkTrust trust;
  private final List<X509Certificate> certificates = new ArrayList<>();

  NoteKeyCertificates(HistoryBundle bundle, NetworkTrust trust) {
    this.trust = trust;
    for (String encoded : bundle.certificates().values()) {
      try {
        certificates.add(Pem.readCertificate(Base64.getDecoder().decode(encoded)));
      } catch (IllegalArgumentException e) {
        // Not a certificate: it certifies no note key. A submission's certificate that is unreadable is
        // reported by SubmissionSignatures at the events that need it.
      }
    }
  }

  /** Whether the CA certifies {@code key} as a note key of {@code role} at {@code at}. */
  Certification certify(NoteKey key, NoteKeyRole role, Instant at) {
    List<String> refusals = new ArrayList<>();
    for (X509Certificate certificate : certificates) {
      if (!Arrays.equals(certificate.getPublicKey().getEncoded(), key.publicKey().getEncoded())) {
        continue;
      }
      CertificateCheck check = trust.checkNoteKey(certificate, role, key, at);
      if (check instanceof CertificateCheck.Trusted trusted) {
        return new Certified(trusted.certificate());
      }
      CertificateCheck.Refused refused = (CertificateCheck.Refused) check;
      refusals.add(refused.refusal() + ": " + refused.detail());
    }
    if (refusals.isEmpty()) {
      return new NotCertified("the bundle holds no certificate for it");
    }
    return new NotCertified(String.join("; ", refusals) + " (checked at " + at + ")");
  }
}
