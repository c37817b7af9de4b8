package org.medtrace.http.auth;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.text.ParseException;
import java.util.List;

/**
 * Public keys from a JWKS file, re-read when the file changes, so that a key rotation (or the
 * development issuer creating its key after the node started) needs no restart.
 */
final class FileJwkSource implements JWKSource<SecurityContext> {

  private final Path file;
  private volatile Loaded loaded;

  private record Loaded(FileTime modified, JWKSet keys) {}

  FileJwkSource(Path file) {
    this.file = file;
  }

  @Override
  public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
    return selector.select(current());
  }

  private JWKSet current() throws KeySourceException {
    try {
      FileTime modified = Files.getLastModifiedTime(file);
      Loaded seen = loaded;
      if (seen == null || !seen.modified().equals(modified)) {
        seen = new Loaded(modified, JWKSet.parse(Files.readString(file)));
        loaded = seen;
      }
      return seen.keys();
    } catch (IOException | ParseException e) {
      throw new KeySourceException("cannot read the JWKS file " + file + ": " + e.getMessage(), e);
    }
  }
}
