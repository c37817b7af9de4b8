package org.medtrace.verify;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CRLException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509CRL;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.medtrace.identity.NetworkCa;
import org.medtrace.identity.SignedForm;
import org.medtrace.identity.SignedRecord;
import org.medtrace.identity.SignedRequest;
import org.medtrace.ledger.v1.ActingParty;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.SubmissionSignature;
import org.medtrace.persistence.chain.ChainHead;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.LedgerFixtures;

/**
 * A network CA with two organisations (pharma-x, hospital-a) and drug-batch chains whose events
 * carry their submission signatures as a node stores them, signed now.
 */
final class SignedChainFixture {

  /** How one event is signed: by whom, for which acting organisation, and whether its signature is spoilt. */
  record Signing(NetworkCa.Issued signer, String actingOrganisation, boolean spoilt) {}

  final NetworkCa ca;
  final NetworkCa.Issued pharma;
  final NetworkCa.Issued hospital;
  final long signedAt;

  /** Creates the CA in {@code caDirectory}. */
  SignedChainFixture(Path caDirectory) {
    ca = NetworkCa.init(caDirectory, "test network CA", Duration.ofDays(3650), Clock.systemUTC());
    pharma = ca.issue("pharma-x", "manufacturer", Duration.ofDays(30));
    hospital = ca.issue("hospital-a", "hospital", Duration.ofDays(30));
    // After the issuing: a loaded machine can take seconds to make the CA, and a signature dated
    // before its certificate's validity is refused.
    signedAt = Instant.now().getEpochSecond();
  }

  /** The given events signed honestly by pharma-x and by hospital-a, the others unsigned. */
  Map<Integer, Signing> honest(List<Integer> byPharma, List<Integer> byHospital) {
    Map<Integer, Signing> signings = new HashMap<>();
    byPharma.forEach(event -> signings.put(event, new Signing(pharma, "pharma-x", false)));
    byHospital.forEach(event -> signings.put(event, new Signing(hospital, "hospital-a", false)));
    return signings;
  }

  /** A chain of {@code length} events, sealed and node-signed as the fixtures' chains, with {@code signings}. */
  List<ChainedEvent> chain(int length, Map<Integer, Signing> signings) {
    List<ChainedEvent> events = new ArrayList<>();
    ChainHead head = ChainHead.genesis(LedgerFixtures.BATCH_TYPE, LedgerFixtures.BATCH_ID);
    for (int sequenceNumber = 1; sequenceNumber <= length; sequenceNumber++) {
      EventBody.Builder body =
          sequenceNumber == 1 ? LedgerFixtures.registeredBody() : LedgerFixtures.temperatureBody(sequenceNumber, 5.0);
      Signing signing = signings.get(sequenceNumber);
      if (signing != null) {
        String keyId = signing.signer().certificate().keyId();
        byte[] submitted = ("{\"n\":" + sequenceNumber + "}").getBytes(StandardCharsets.UTF_8);
        // pharma-x writes over the HTTP API, hospital-a through Kafka: events store either form.
        SignedForm request =
            signing.signer() == hospital
                ? SignedRecord.of("medtrace.sensor-readings", "sensor-1".getBytes(StandardCharsets.UTF_8), submitted, signedAt, keyId)
                : SignedRequest.of("POST", "/api/v1/batches", submitted, "req-" + sequenceNumber, signedAt, keyId);
        byte[] signature = request.sign(signing.signer().privateKey());
        if (signing.spoilt()) {
          signature[10] ^= 1;
        }
        body.setActingParty(ActingParty.newBuilder().setOrganisation(signing.actingOrganisation()).setUser("u").setRole(signing.signer().certificate().role()))
            .setSubmissionSignature(
                SubmissionSignature.newBuilder()
                    .setKeyId(keyId)
                    .setSignature(ByteString.copyFrom(signature))
                    .setSignedRequest(ByteString.copyFrom(request.canonicalBytes())));
      }
      ChainedEvent event = ChainedEvent.seal(head, body, Optional.of(LedgerFixtures.rfc8032Signer()));
      events.add(event);
      head = head.advanceTo(event);
    }
    return events;
  }

  /** What a node that has {@code certificates} exports, with the CA's CRL as it is now. */
  SigningCertificates exporter(List<NetworkCa.Issued> certificates) {
    return exporter(certificates, ca.currentCrl());
  }

  /** What a node that has {@code certificates} and {@code currentCrl} exports. */
  static SigningCertificates exporter(List<NetworkCa.Issued> certificates, X509CRL currentCrl) {
    Map<String, byte[]> byKeyId = new HashMap<>();
    byte[] crl;
    try {
      for (NetworkCa.Issued issued : certificates) {
        byKeyId.put(issued.certificate().keyId(), issued.certificate().certificate().getEncoded());
      }
      crl = currentCrl.getEncoded();
    } catch (CertificateEncodingException | CRLException e) {
      throw new IllegalStateException(e);
    }
    return new SigningCertificates() {
      @Override
      public Optional<byte[]> certificate(String keyId) {
        return Optional.ofNullable(byKeyId.get(keyId));
      }

      @Override
      public Optional<byte[]> crl() {
        return Optional.of(crl);
      }
    };
  }
}
