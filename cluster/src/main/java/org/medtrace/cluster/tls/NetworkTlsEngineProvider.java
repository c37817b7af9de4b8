package org.medtrace.cluster.tls;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertPathValidator;
import java.security.cert.CertStore;
import java.security.cert.Certificate;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.remote.artery.tcp.SSLEngineProvider;
import org.medtrace.identity.CaDirectory;
import org.medtrace.identity.IssuedCertificate;
import org.medtrace.identity.Pem;
import scala.Option;

/**
 * Mutual TLS for Pekko remoting (Artery {@code tls-tcp}) with the network CA: a node presents the
 * certificate {@code bin/medtrace ca issue-node} gave it, and accepts a peer only when the peer's
 * certificate chains to the network CA, is not in the CA's CRL, is within its validity, and is a
 * node certificate ({@code OU=node}). So a node joins the network only with a valid certificate.
 *
 * <p>Reads PEM (the CA's layout, see identity/README.md) from {@code medtrace.remoting.tls}; the
 * keys and the CRL are re-read after {@code reload-interval}, so a revocation (a new {@code
 * crl.pem}) refuses the revoked node's next connection. Host names are not verified: nodes of a
 * network move, and what matters is that the peer holds a node certificate of this network's CA.
 *
 * <p>Enable with {@code pekko.remote.artery.transport = tls-tcp} and {@code
 * pekko.remote.artery.ssl.ssl-engine-provider = "org.medtrace.cluster.tls.NetworkTlsEngineProvider"}.
 */
public final class NetworkTlsEngineProvider implements SSLEngineProvider {

  /** TLS 1.3 only: it has Ed25519 certificates, and nothing older is needed between our own nodes. */
  static final String PROTOCOL = "TLSv1.3";

  private final Path keyFile;
  private final Path certificateFile;
  private final CaDirectory trust;
  private final Duration reloadInterval;
  private final Clock clock = Clock.systemUTC();
  private SSLContext context;
  private Instant loadedAt = Instant.MIN;

  /** Called by Pekko (by reflection) with the actor system whose remoting it secures. */
  public NetworkTlsEngineProvider(ActorSystem system) {
    this(system.settings().config().getConfig("medtrace.remoting.tls"));
  }

  NetworkTlsEngineProvider(Config config) {
    this.keyFile = Path.of(config.getString("key-file"));
    this.certificateFile = Path.of(config.getString("cert-file"));
    this.trust = new CaDirectory(Path.of(config.getString("trust-dir")));
    this.reloadInterval = config.getDuration("reload-interval");
    // Fail at start-up, not on the first connection, when a file is missing or wrong.
    context();
  }

  @Override
  public SSLEngine createServerSSLEngine(String hostname, int port) {
    SSLEngine engine = context().createSSLEngine(hostname, port);
    engine.setUseClientMode(false);
    engine.setNeedClientAuth(true);
    engine.setEnabledProtocols(new String[] {PROTOCOL});
    return engine;
  }

  @Override
  public SSLEngine createClientSSLEngine(String hostname, int port) {
    SSLEngine engine = context().createSSLEngine(hostname, port);
    engine.setUseClientMode(true);
    engine.setEnabledProtocols(new String[] {PROTOCOL});
    return engine;
  }

  @Override
  public Option<Throwable> verifyClientSession(String hostname, SSLSession session) {
    return verifyPeerIsNode(session);
  }

  @Override
  public Option<Throwable> verifyServerSession(String hostname, SSLSession session) {
    return verifyPeerIsNode(session);
  }

  /** The trust manager checked the chain, validity and CRL; this adds that the peer is a node. */
  private static Option<Throwable> verifyPeerIsNode(SSLSession session) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      IssuedCertificate peer = IssuedCertificate.of((X509Certificate) chain[0]);
      if (!IssuedCertificate.NODE_ROLE.equals(peer.role())) {
        return Option.apply(
            new SSLPeerUnverifiedException(
                "the peer's certificate " + peer.serialHex() + " is an organisation's (" + peer.role() + "), not a node's"));
      }
      return Option.empty();
    } catch (SSLPeerUnverifiedException e) {
      return Option.apply(e);
    }
  }

  private synchronized SSLContext context() {
    Instant now = clock.instant();
    if (context == null || !now.isBefore(loadedAt.plus(reloadInterval))) {
      try {
        context = load();
        loadedAt = now;
      } catch (GeneralSecurityException | RuntimeException e) {
        if (context == null) {
          throw new IllegalStateException("remoting TLS cannot start: " + e.getMessage(), e);
        }
        // Keep no stale trust: without a readable CRL, new connections fail until it is readable again.
        context = null;
        throw new IllegalStateException("remoting TLS cannot reload its keys or the CRL: " + e.getMessage(), e);
      }
    }
    return context;
  }

  private SSLContext load() throws GeneralSecurityException {
    X509Certificate ca = Pem.readCertificate(trust.caCertificate());
    X509CRL crl = Pem.readCrl(trust.crl());
    crl.verify(ca.getPublicKey());
    X509Certificate own = Pem.readCertificate(certificateFile);
    PrivateKey key = Pem.readPrivateKey(keyFile);

    char[] password = new char[0];
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try {
      keys.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    keys.setKeyEntry("node", key, password, new Certificate[] {own, ca});
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, password);

    PKIXBuilderParameters pkix = new PKIXBuilderParameters(Set.of(new TrustAnchor(ca, null)), new X509CertSelector());
    pkix.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(List.of(crl))));
    // The CA's CRL decides: a revoked node is refused. No OCSP: the network CA runs none.
    pkix.setRevocationEnabled(true);
    PKIXRevocationChecker revocation = (PKIXRevocationChecker) CertPathValidator.getInstance("PKIX").getRevocationChecker();
    revocation.setOptions(Set.of(PKIXRevocationChecker.Option.PREFER_CRLS, PKIXRevocationChecker.Option.NO_FALLBACK));
    pkix.addCertPathChecker(revocation);
    TrustManagerFactory trustManagers = TrustManagerFactory.getInstance("PKIX");
    trustManagers.init(new CertPathTrustManagerParameters(pkix));

    SSLContext ssl = SSLContext.getInstance(PROTOCOL);
    ssl.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), new SecureRandom());
    return ssl;
  }
}
