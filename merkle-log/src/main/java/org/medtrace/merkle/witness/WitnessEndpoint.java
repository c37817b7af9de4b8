package org.medtrace.merkle.witness;

import java.net.URI;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.SignatureType;

/**
 * One witness as the log knows it.
 *
 * @param name the witness's name (its organisation), used in results and logs
 * @param addCheckpointUrl the full URL of its add-checkpoint endpoint, e.g. {@code
 *     https://witness.regulator.example/api/v1/witness/add-checkpoint}
 * @param key its cosigner key (a vkey of type cosignature/v1); only cosignatures by this key count
 */
public record WitnessEndpoint(String name, URI addCheckpointUrl, NoteKey key) {

  public WitnessEndpoint {
    if (key.type() != SignatureType.COSIGNATURE_V1) {
      throw new IllegalArgumentException("the key of witness " + name + " is not a cosigner (cosignature/v1) key");
    }
    String scheme = addCheckpointUrl.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new IllegalArgumentException("the URL of witness " + name + " is not http(s): " + addCheckpointUrl);
    }
  }
}
