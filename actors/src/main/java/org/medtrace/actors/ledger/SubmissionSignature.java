package org.medtrace.actors.ledger;

import com.google.protobuf.ByteString;
import java.util.Arrays;
import java.util.Objects;

/**
 * An organisation's checked signature over the request a command came from (a signed submission):
 * the events of the command store it (EventBody {@code submission_signature}). Whoever builds one
 * MUST have checked it first — certificate trusted by the network CA, organisation equal to the
 * acting party's, signature valid over {@code signedRequest}; the entity does not check it again.
 *
 * @param keyId the certificate's SHA-256 fingerprint (lower-case hex)
 * @param signature Ed25519 over {@code signedRequest}
 * @param signedRequest the canonical request exactly as signed
 */
public record SubmissionSignature(String keyId, byte[] signature, byte[] signedRequest) implements CborSerializable {

  public SubmissionSignature {
    Objects.requireNonNull(keyId, "keyId");
    signature = signature.clone();
    signedRequest = signedRequest.clone();
  }

  public org.medtrace.ledger.v1.SubmissionSignature toProto() {
    return org.medtrace.ledger.v1.SubmissionSignature.newBuilder()
        .setKeyId(keyId)
        .setSignature(ByteString.copyFrom(signature))
        .setSignedRequest(ByteString.copyFrom(signedRequest))
        .build();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public byte[] signedRequest() {
    return signedRequest.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SubmissionSignature that
        && keyId.equals(that.keyId)
        && Arrays.equals(signature, that.signature)
        && Arrays.equals(signedRequest, that.signedRequest);
  }

  @Override
  public int hashCode() {
    return Objects.hash(keyId, Arrays.hashCode(signature), Arrays.hashCode(signedRequest));
  }

  @Override
  public String toString() {
    return "SubmissionSignature(" + keyId + ")";
  }
}
