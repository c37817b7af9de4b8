package org.medtrace.identity;

import java.util.Arrays;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.medtrace.merkle.note.SignatureType;

/**
 * What a note key certified by the network CA ({@code ca certify}) may sign: the log's checkpoints,
 * or a witness's cosignatures. The role is carried as an extended key usage (critical, the only
 * one) under medtrace's object identifier arc, so that no other certificate of the network (an
 * organisation's signing certificate, a node's TLS certificate) can pass for a note key's, and a
 * witness's certificate cannot pass for the log's. The subject's {@code OU} repeats it for people
 * reading the certificate; checks rely on the extended key usage alone.
 *
 * <p>The arc is {@value #ARC}: a UUID-derived OID (ITU-T X.667, {@code 2.25.<UUID as integer>}),
 * which needs no registration and is unique to medtrace. Under it, {@code .1} is the arc of key
 * purposes; {@code .1.1} the log's checkpoint key, {@code .1.2} a witness's cosigning key.
 */
public enum NoteKeyRole {
  LOG("log", Arc.KEY_PURPOSES + ".1", SignatureType.ED25519),
  WITNESS("witness", Arc.KEY_PURPOSES + ".2", SignatureType.COSIGNATURE_V1);

  /** medtrace's object identifier arc (from UUID 9cf9ae48-ab32-4bcb-acc8-daa6534d3421). */
  public static final String ARC = Arc.ARC;

  private final String roleName;
  private final KeyPurposeId purpose;
  private final SignatureType keyType;

  NoteKeyRole(String roleName, String purposeOid, SignatureType keyType) {
    this.roleName = roleName;
    this.purpose = KeyPurposeId.getInstance(new ASN1ObjectIdentifier(purposeOid));
    this.keyType = keyType;
  }

  /** The role's name in {@code ca certify --role} and in the certificate's {@code OU}. */
  public String roleName() {
    return roleName;
  }

  /** The extended key usage that marks a certificate of this role. */
  public KeyPurposeId purpose() {
    return purpose;
  }

  /** The object identifier of {@link #purpose()}, dotted. */
  public String purposeOid() {
    return purpose.toOID().getId();
  }

  /** The signature type of the note keys of this role: Ed25519 for the log, cosignature/v1 for witnesses. */
  public SignatureType keyType() {
    return keyType;
  }

  /** The role named {@code name} ({@code log} or {@code witness}), if any. */
  public static Optional<NoteKeyRole> named(String name) {
    return Arrays.stream(values()).filter(role -> role.roleName.equals(name)).findFirst();
  }

  /**
   * The role a certificate's extended key usage marks, if it marks exactly one: the role's purpose
   * MUST be its only extended key usage, as {@code ca certify} makes it, so that no certificate is
   * a note key's and something else's at once.
   */
  public static Optional<NoteKeyRole> of(java.security.cert.X509Certificate certificate) {
    java.util.List<String> usages;
    try {
      usages = certificate.getExtendedKeyUsage();
    } catch (java.security.cert.CertificateParsingException e) {
      return Optional.empty();
    }
    if (usages == null || usages.size() != 1) {
      return Optional.empty();
    }
    return Arrays.stream(values()).filter(role -> usages.get(0).equals(role.purposeOid())).findFirst();
  }

  /** Enum constants cannot refer to the enum's own static fields in their arguments. */
  private static final class Arc {
    static final String ARC = "2.25.208655984156903525575240510521463354401";
    static final String KEY_PURPOSES = ARC + ".1";
  }
}
