package org.medtrace.identity;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a node reads its trust ({@link NetworkTrust#load(TrustLocation)}): the trust directory with
 * {@code ca.pem}, {@code crl.pem} and {@code network-policy.txt}, and the folder of the certificates
 * it knows ({@code *.pem}). That folder is the directory's {@code certs/}, as in the CA's own
 * layout ({@link CaDirectory}), unless it is set apart: on Kubernetes each is a ConfigMap, and a
 * ConfigMap's keys cannot name a subdirectory.
 *
 * <p>This is the one place that knows the default; settings name the two folders and call {@link
 * #fromSettings}.
 */
public record TrustLocation(Path directory, Path certificates) {

  /** {@code directory} in the CA's layout: its certificates in {@code directory/certs}. */
  public static TrustLocation of(Path directory) {
    return new TrustLocation(directory, new CaDirectory(directory).certificates());
  }

  /**
   * The location that the settings {@code <settings>.trust-dir} and {@code
   * <settings>.trust-certs-dir} name (blank: not set).
   *
   * @return empty when no trust directory is set (the node cannot check signatures)
   * @throws IllegalArgumentException when a certificates' folder is set without a trust directory:
   *     certificates without the CA that issued them cannot be checked
   */
  public static Optional<TrustLocation> fromSettings(String trustDir, String certificatesDir, String settings) {
    boolean hasDirectory = !trustDir.isBlank();
    boolean hasCertificates = !certificatesDir.isBlank();
    if (!hasDirectory && hasCertificates) {
      throw new IllegalArgumentException(
          settings + ".trust-certs-dir is set (" + certificatesDir.strip() + ") but trust-dir is not: the certificates need the CA's ca.pem and crl.pem");
    }
    if (!hasDirectory) {
      return Optional.empty();
    }
    Path directory = Path.of(trustDir.strip());
    return Optional.of(hasCertificates ? new TrustLocation(directory, Path.of(certificatesDir.strip())) : of(directory));
  }

  /** Whether the certificates are in {@code certs/} of the trust directory, as the CA writes them. */
  public boolean certificatesInDirectory() {
    return certificates.equals(new CaDirectory(directory).certificates());
  }

  @Override
  public String toString() {
    return certificatesInDirectory() ? directory.toString() : directory + " (certificates in " + certificates + ")";
  }
}
