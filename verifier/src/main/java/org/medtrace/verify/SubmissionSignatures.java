package org.medtrace.verify;

import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.medtrace.identity.CertificateCheck;
import org.medtrace.identity.IssuedCertificate;
import org.medtrace.identity.NetworkTrust;
import org.medtrace.identity.Pem;
import org.medtrace.identity.SignedForm;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.SubmissionSignature;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.JournalRecord;

/**
 * Checks the organisations' submission signatures stored in a bundle's events ({@code
 * EventBody.submission_signature}, see identity/README.md) against the network CA, as the node
 * checked them when it stored the events, but as of each signature's own signing time: the
 * certificate for the key id is in the bundle and its fingerprint is the key id; the network CA
 * issued it, it may sign and is no node's certificate; it was valid at the signing time and not
 * revoked at or before it (per the bundle's CRL); its organisation is the event's acting
 * organisation where the event names one; the stored signed request is in canonical form and names
 * the same key id; and the Ed25519 signature verifies over exactly those bytes.
 *
 * <p>What cannot be checked offline: the signed request's body hash, because an event stores what
 * the request caused, not the request body; and the signing time is the signer's claim, which the
 * node accepted only within its clock-skew bound of its own clock (the event's {@code recorded_at}).
 */
final class SubmissionSignatures {

  private final HistoryBundle bundle;
  private final Optional<NetworkTrust> trust;
  private final List<String> failures;
  private final Map<String, BundledCertificate> certificateByKeyId = new HashMap<>();

  /** The bundle's certificate for a key id, or (certificate null) why there is none usable. */
  private record BundledCertificate(X509Certificate certificate, String problem) {}

  private SubmissionSignatures(HistoryBundle bundle, Optional<NetworkTrust> trust, List<String> failures) {
    this.bundle = bundle;
    this.trust = trust;
    this.failures = failures;
  }

  /**
   * Checks every signed event of {@code records} (the bundle's decoded events) when {@code trust}
   * (the network CA with the bundle's CRL, {@link #trust}) is given, adding each failure to {@code
   * failures} and what the verdict rests on to {@code warnings}.
   *
   * @return the summary's clause on signed submissions ("12 of 57 events signed by: ..."), empty
   *     when no event is a signed submission
   */
  static String check(
      HistoryBundle bundle, List<JournalRecord> records, Optional<NetworkTrust> trust, List<String> failures, List<String> warnings) {
    SubmissionSignatures check = new SubmissionSignatures(bundle, trust, failures);
    Map<String, Integer> eventsByOrganisation = new TreeMap<>();
    int signed = 0;
    int failuresBefore = failures.size();
    for (JournalRecord record : records) {
      if (record instanceof ChainedEvent event && event.body().hasSubmissionSignature()) {
        signed++;
        eventsByOrganisation.merge(check.organisationOf(event), 1, Integer::sum);
      }
    }
    if (signed == 0) {
      return "";
    }
    if (trust.isEmpty()) {
      warnings.add(
          "the submission signatures of " + signed + " event(s) were NOT checked against a network CA (pass --ca with the CA's certificate)");
    }
    StringBuilder clause = new StringBuilder("; " + signed + " of " + bundle.events().size() + " events signed by: ");
    clause.append(String.join(", ", eventsByOrganisation.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")").toList()));
    if (trust.isEmpty()) {
      clause.append("; signatures NOT checked against a network CA");
    } else if (failures.size() == failuresBefore) {
      clause.append("; all signatures valid");
    }
    return clause.toString();
  }

  /**
   * The network CA {@code ca} with the bundle's CRL, if it has a usable one: what every certificate
   * in the bundle (submissions', log key's, witnesses') is checked against.
   */
  static NetworkTrust trust(HistoryBundle bundle, X509Certificate ca, List<String> failures, List<String> warnings) {
    if (bundle.crl().isEmpty()) {
      warnings.add("the bundle holds no CRL: revocations of its certificates were not checked");
      return NetworkTrust.of(ca, Optional.empty());
    }
    try {
      X509CRL crl = Pem.readCrl(Base64.getDecoder().decode(bundle.crl()));
      return NetworkTrust.of(ca, Optional.of(crl));
    } catch (IllegalArgumentException e) {
      failures.add("bundle: the CRL cannot be used (revocations were not checked): " + e.getMessage());
      return NetworkTrust.of(ca, Optional.empty());
    }
  }

  /** Checks the event's signature (where there is a CA) and returns the organisation to name for it. */
  private String organisationOf(ChainedEvent event) {
    EventBody body = event.body();
    SubmissionSignature stored = body.getSubmissionSignature();
    String acting = body.getActingParty().getOrganisation();
    String unchecked = acting.isEmpty() ? "(no organisation)" : acting;
    if (trust.isEmpty()) {
      return unchecked;
    }
    String which = "event #" + event.sequenceNumber() + ": submission signature";
    String keyId = stored.getKeyId();
    BundledCertificate found = certificateByKeyId.computeIfAbsent(keyId, this::certificate);
    if (found.certificate() == null) {
      failures.add(which + ": " + found.problem());
      return unchecked;
    }
    IssuedCertificate certificate = IssuedCertificate.of(found.certificate());
    String named = "certificate " + certificate.serialHex() + " of " + certificate.organisation();
    SignedForm request;
    try {
      // An HTTP request or a Kafka record: the stored bytes say which.
      request = SignedForm.parse(stored.getSignedRequest().toByteArray());
    } catch (IllegalArgumentException e) {
      failures.add(which + ": the stored signed request is not valid: " + e.getMessage());
      return certificate.organisation();
    }
    if (!request.keyId().equals(keyId)) {
      failures.add(which + ": the signed request names key id " + request.keyId() + ", the event " + keyId);
      return certificate.organisation();
    }
    Instant signedAt = Instant.ofEpochSecond(request.signedAtEpochSeconds());
    if (trust.get().checkSignedAt(certificate.certificate(), signedAt) instanceof CertificateCheck.Refused refused) {
      // A revocation's detail already names the signing time.
      String when = refused.refusal() == CertificateCheck.Refusal.REVOKED ? "" : " (signed at " + signedAt + ")";
      failures.add(which + ": " + refused.refusal() + ": " + refused.detail() + when);
      return certificate.organisation();
    }
    if (certificate.isNodeCertificate()) {
      failures.add(which + ": " + named + " is a node's remoting certificate, which signs no submissions");
      return certificate.organisation();
    }
    if (certificate.isNoteKeyCertificate()) {
      failures.add(which + ": " + named + " certifies a log or witness note key, which signs no submissions");
      return certificate.organisation();
    }
    if (!acting.isEmpty() && !acting.equals(certificate.organisation())) {
      failures.add(which + ": " + named + " does not belong to the event's acting organisation " + acting);
      return certificate.organisation();
    }
    if (!request.verify(certificate.certificate().getPublicKey(), stored.getSignature().toByteArray())) {
      failures.add(which + ": the signature does not verify with " + named + " over the stored signed request");
    }
    return certificate.organisation();
  }

  /** The bundle's certificate for {@code keyId}, or why there is none. */
  private BundledCertificate certificate(String keyId) {
    String encoded = bundle.certificates().get(keyId);
    if (encoded == null) {
      return new BundledCertificate(null, "the bundle holds no certificate for key id " + keyId);
    }
    X509Certificate certificate;
    try {
      certificate = Pem.readCertificate(Base64.getDecoder().decode(encoded));
    } catch (IllegalArgumentException e) {
      return new BundledCertificate(
          null, "the bundle's certificate for key id " + keyId + " is not a base64 DER X.509 certificate: " + e.getMessage());
    }
    String fingerprint = IssuedCertificate.fingerprint(certificate);
    if (!fingerprint.equals(keyId)) {
      return new BundledCertificate(
          null, "the bundle's certificate for key id " + keyId + " is another one (its SHA-256 fingerprint is " + fingerprint + ")");
    }
    return new BundledCertificate(certificate, "");
  }
}
