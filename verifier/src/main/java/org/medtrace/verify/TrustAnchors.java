package org.medtrace.verify;

import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.medtrace.merkle.note.NoteKey;

/**
 * What the person verifying trusts, obtained outside the bundle (from the log operator and the
 * witnesses' owners). Whatever is not given here is taken from the bundle, and the report says
 * so: a bundle's own keys prove that it is consistent, not who made it.
 *
 * @param logKey the log's key
 * @param witnesses display name to witness key, in the order to report them
 * @param quorum how many of the witnesses must have cosigned; default (with only the network CA) the
 *     CA-signed network policy in the bundle, else a majority
 * @param networkCa the network CA's certificate, against which events' submission signatures are
 *     checked; without it they are not checked (a bundle carries no CA certificate of its own, since
 *     one from the bundle would prove nothing about who signed)
 */
public record TrustAnchors(
    Optional<NoteKey> logKey, Map<String, NoteKey> witnesses, OptionalInt quorum, Optional<X509Certificate> networkCa) {

  public TrustAnchors {
    witnesses = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(witnesses));
  }

  /** Without a network CA: submission signatures are not checked. */
  public TrustAnchors(Optional<NoteKey> logKey, Map<String, NoteKey> witnesses, OptionalInt quorum) {
    this(logKey, witnesses, quorum, Optional.empty());
  }

  /** Trust nothing from outside: every key comes from the bundle. */
  public static TrustAnchors fromBundleOnly() {
    return new TrustAnchors(Optional.empty(), Map.of(), OptionalInt.empty());
  }

  /** These anchors, checking submission signatures against {@code ca}. */
  public TrustAnchors withNetworkCa(X509Certificate ca) {
    return new TrustAnchors(logKey, witnesses, quorum, Optional.of(ca));
  }

  /** The default quorum of {@code witnessCount} witnesses: a strict majority. */
  public static int majorityOf(int witnessCount) {
    return witnessCount == 0 ? 0 : witnessCount / 2 + 1;
  }
}
