package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.medtrace.identity.TrustLocation;

class SignedSubmissionSettingsTest {

  private static HttpApiSettings.SignedSubmissionSettings settings(String hocon) {
    return HttpApiSettings.SignedSubmissionSettings.from(
        ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference()).getConfig("medtrace.http.signed-submissions"));
  }

  @Test
  void theCertificatesAreInCertsOfTheTrustDirectoryUnlessSetApart() {
    assertEquals(Optional.empty(), settings("").trustDirectory());
    assertEquals(
        Optional.of(TrustLocation.of(Path.of("/etc/medtrace/ca"))),
        settings("medtrace.http.signed-submissions.trust-dir = \"/etc/medtrace/ca\"").trustDirectory());
    assertEquals(
        Optional.of(new TrustLocation(Path.of("/etc/medtrace/trust"), Path.of("/etc/medtrace/trust-certs"))),
        settings("medtrace.http.signed-submissions { trust-dir = \"/etc/medtrace/trust\", trust-certs-dir = \"/etc/medtrace/trust-certs\" }")
            .trustDirectory());
  }

  @Test
  void certificatesWithoutATrustDirectoryAreRefused() {
    IllegalArgumentException refused = assertThrows(
        IllegalArgumentException.class,
        () -> settings("medtrace.http.signed-submissions.trust-certs-dir = \"/etc/medtrace/trust-certs\""));
    assertTrue(refused.getMessage().contains("medtrace.http.signed-submissions.trust-certs-dir"), refused.getMessage());
  }
}
