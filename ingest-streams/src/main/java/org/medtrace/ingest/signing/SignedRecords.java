package org.medtrace.ingest.signing;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.SubmissionCertificates;
import org.medtrace.actors.ledger.SubmissionSignature;
import org.medtrace.identity.IssuedCertificate;
import org.medtrace.identity.SignatureClaim;
import org.medtrace.identity.SignatureFreshness;
import org.medtrace.identity.SignedRecord;
import org.medtrace.identity.SubmissionRefused;
import org.medtrace.identity.SubmissionVerifier;
import org.medtrace.identity.TrustDirectory;
import org.medtrace.ingest.route.DecodedItem;
import org.medtrace.ingest.route.DecodedMessage;
import org.medtrace.ingest.route.RecordDecoder;
import org.medtrace.ingest.route.RoutedCommand;
import org.medtrace.ingest.route.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signed Kafka records: checks a record's signature headers with the network's {@link
 * SubmissionVerifier} (the one the HTTP API uses, over the canonical form {@link SignedRecord}) and
 * attaches the checked signature to every command decoded from the record, so that their events
 * store it ({@code EventBody.submission_signature}) exactly as for a signed HTTP request.
 *
 * <p>A record without any of the headers is unsigned and decoded as before, unless one of its
 * commands acts for an organisation or in a role that must sign ({@code SIGNATURE_REQUIRED}). A
 * record with any of them MUST verify completely, or the whole record becomes one {@link
 * DecodedItem.SignatureRefused} item, so that it goes to the dead-letter topic with the refusal's
 * reason and nothing of it is stored: headers well-formed, signing time within the {@link
 * SignatureFreshness.Backlog} rule, a certificate the network CA issued and did not revoke, valid
 * when the record was signed, of the organisation every command of the record acts for, and an
 * Ed25519 signature over exactly this topic, key and value.
 *
 * <p>A record whose signature holds has its signing certificate stored for exports ({@link
 * SubmissionCertificates}, as the HTTP API does) before its commands are routed, also when the
 * producer sent it inline ({@value #CERTIFICATE_HEADER}) and the trust directory has no copy.
 *
 * <p>A trust directory that cannot be read, or a certificate that cannot be stored, fails the
 * decoding stage (the pipeline restarts and the record is delivered again, neither dead-lettered
 * nor committed): nothing is wrong with the record; it must not be judged on an old CRL, nor stored
 * without a certificate that an export can carry.
 */
public final class SignedRecords {

  public static final String KEY_ID_HEADER = "medtrace-key-id";
  public static final String SIGNED_AT_HEADER = "medtrace-signed-at";
  public static final String SIGNATURE_HEADER = "medtrace-signature";
  /** Optional: the signing certificate (PEM or base64 DER), for a node without a copy in its trust directory. */
  public static final String CERTIFICATE_HEADER = "medtrace-certificate";

  public static final SignatureClaim.FieldNames HEADERS =
      new SignatureClaim.FieldNames(KEY_ID_HEADER, SIGNED_AT_HEADER, SIGNATURE_HEADER, CERTIFICATE_HEADER);

  private static final Logger log = LoggerFactory.getLogger(SignedRecords.class);

  /** Where accepted signing certificates are kept for exports; production: {@link #storedIn}. */
  @FunctionalInterface
  public interface CertificateStore {
    /** Completes once {@code certificate} is durably stored; fails when it cannot be. */
    CompletionStage<?> remember(IssuedCertificate certificate);
  }

  /** The node's store of submission certificates, shared with the HTTP API. */
  public static CertificateStore storedIn(SubmissionCertificates certificates) {
    return certificate -> certificates.remember(certificate.keyId(), certificate.organisation(), certificate.encoded());
  }

  private final SignedRecordSettings settings;
  private final SubmissionVerifier verifier;
  private final CertificateStore certificates;

  /** Reads the trust directory now, so that a node with an unreadable one fails at start-up. */
  public SignedRecords(SignedRecordSettings settings, Clock clock, CertificateStore certificates) {
    this.settings = settings;
    this.certificates = certificates;
    Optional<TrustDirectory> trust =
        settings.trustDirectory().map(dir -> new TrustDirectory(dir, settings.reloadInterval(), clock, log::warn));
    this.verifier = new SubmissionVerifier(trust, new SignatureFreshness.Backlog(settings.maxClockSkew(), settings.maxAge()), clock);
  }

  /** {@code decoder}, with the signatures of its records checked and attached. */
  public RecordDecoder checking(RecordDecoder decoder) {
    return new RecordDecoder() {
      @Override
      public DecodedMessage decode(SourceRecord record) {
        return check(record, r -> CompletableFuture.completedFuture(decoder.decode(r))).toCompletableFuture().join();
      }

      @Override
      public CompletionStage<DecodedMessage> decodeAsync(SourceRecord record) {
        return check(record, decoder::decodeAsync);
      }
    };
  }

  private CompletionStage<DecodedMessage> check(SourceRecord record, Function<SourceRecord, CompletionStage<DecodedMessage>> decode) {
    String label = "record at " + record.position();
    Optional<SubmissionVerifier.Verified> verified;
    try {
      verified =
          SignatureClaim.read(HEADERS, name -> Optional.ofNullable(record.headers().get(name)).map(v -> new String(v, StandardCharsets.UTF_8)))
              .map(claim -> verifier.verify(
                  claim,
                  Optional.empty(),
                  "the record",
                  c -> SignedRecord.of(record.topic(), record.key(), record.value(), c.signedAtEpochSeconds(), c.keyId())));
    } catch (SubmissionRefused refused) {
      return CompletableFuture.completedFuture(refusedMessage(label, refused));
    } catch (TrustDirectory.Unavailable e) {
      log.error("signed records are retried until the trust directory can be read: {}", e.getMessage());
      return CompletableFuture.failedFuture(e);
    }
    if (verified.isEmpty()) {
      return decode.apply(record).thenApply(decoded -> unsigned(label, decoded));
    }
    return decode.apply(record).thenCompose(decoded -> signedAndKept(label, decoded, verified.get()));
  }

  /**
   * {@code decoded} with the signature on every command, once the signing certificate is stored;
   * or refused, storing nothing, if a command acts for another organisation.
   */
  private CompletionStage<DecodedMessage> signedAndKept(String label, DecodedMessage decoded, SubmissionVerifier.Verified verified) {
    DecodedMessage signed;
    try {
      signed = signed(decoded, verified);
    } catch (SubmissionRefused refused) {
      return CompletableFuture.completedFuture(refusedMessage(label, refused));
    }
    String keyId = verified.certificate().keyId();
    return certificates
        .remember(verified.certificate())
        .handle(
            (stored, error) -> {
              if (error != null) {
                log.error("signed records are retried until the certificate of key id {} can be stored: {}", keyId, error.toString());
                throw new IllegalStateException("the certificate of key id " + keyId + " cannot be stored: " + error, error);
              }
              return signed;
            });
  }

  /** {@code decoded} with the signature on every command. */
  private static DecodedMessage signed(DecodedMessage decoded, SubmissionVerifier.Verified verified) {
    SubmissionSignature signature = new SubmissionSignature(verified.keyId(), verified.signature(), verified.canonicalBytes());
    List<DecodedItem> items = new ArrayList<>();
    for (DecodedItem item : decoded.items()) {
      if (item instanceof DecodedItem.Routable routable) {
        List<RoutedCommand<?>> commands = new ArrayList<>();
        for (RoutedCommand<?> command : routable.commands()) {
          verified.requireOrganisation(command.party().organisation(), "the record's command '" + command.description() + "'");
          commands.add(command.signedWith(signature));
        }
        items.add(new DecodedItem.Routable(routable.label(), commands));
      } else {
        items.add(item);
      }
    }
    return new DecodedMessage(items);
  }

  /** {@code decoded}, or refused if one of its commands acts for an organisation or in a role that must sign. */
  private DecodedMessage unsigned(String label, DecodedMessage decoded) {
    for (DecodedItem item : decoded.items()) {
      if (item instanceof DecodedItem.Routable routable) {
        for (RoutedCommand<?> command : routable.commands()) {
          ActingParty party = command.party();
          if (settings.required().appliesTo(party)) {
            return refusedMessage(
                label,
                new SubmissionRefused(
                    SubmissionRefused.Reason.SIGNATURE_REQUIRED,
                    "records acting for " + party.organisation() + " as " + party.role().wireName() + " must be signed ("
                        + KEY_ID_HEADER + ", " + SIGNED_AT_HEADER + ", " + SIGNATURE_HEADER + "); see ingest-streams/README.md"));
          }
        }
      }
    }
    return decoded;
  }

  private static DecodedMessage refusedMessage(String label, SubmissionRefused refused) {
    return DecodedMessage.of(new DecodedItem.SignatureRefused(label, refused.reason(), refused.getMessage()));
  }
}
