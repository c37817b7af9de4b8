package org.medtrace.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.medtrace.globallog.GlobalLogSettings;
import org.medtrace.globallog.LogKey;
import org.medtrace.http.witness.WitnessSettings;
import org.medtrace.merkle.note.NoteKey;

/**
 * Development mode's witnessing: the node's development self-witness follows the node's own
 * development log key, and is the log's one witness (quorum 1), over the node's own API. Both keys
 * are created at start (under {@code data/log-key} and {@code data/dev-witness}), so the settings
 * that name them are derived here, before the node starts, rather than written in a file.
 *
 * <p>On only with {@code medtrace.global-log.witnesses.development-self-witness}; it proves nothing
 * to an outsider (the witness's name says NOT-INDEPENDENT in every cosignature line), it shows the
 * witnessing flow end to end.
 */
final class DevelopmentSelfWitnessing {

  static final String SWITCH = "medtrace.global-log.witnesses.development-self-witness";

  private DevelopmentSelfWitnessing() {}

  /** {@code config} with the self-witness following the log and listed as its witness, when switched on. */
  static Config configure(Config config) {
    if (!config.getBoolean(SWITCH)) {
      return config;
    }
    GlobalLogSettings log = GlobalLogSettings.from(config);
    NoteKey logKey =
        LogKey.load(log.signing())
            .orElseThrow(() -> new IllegalArgumentException(SWITCH + " needs the log's key (medtrace.global-log.development-key)"))
            .verifierKey();
    WitnessSettings witness = WitnessSettings.from(config);
    if (!witness.selfWitness()) {
      throw new IllegalArgumentException(SWITCH + " needs the development self-witness (medtrace.witness.development-self-witness)");
    }
    NoteKey witnessKey = witness.cosigner().orElseThrow().verifierKey();
    String host = config.getString("medtrace.http.interface");
    int port = config.getInt("medtrace.http.port");
    if (port == 0) {
      // The witness's URL names the API's port, so "any free port" is chosen now.
      port = freePort(host);
    }
    List<Object> trustedLogs = new ArrayList<>(config.getList("medtrace.witness.trusted-logs").unwrapped());
    trustedLogs.add(Map.of("origin", log.signing().logName() + WitnessSettings.ALL_SLICES, "key", logKey.vkey()));
    Map<String, Object> self =
        Map.of(
            "name", witnessKey.name(),
            "url", "http://" + host + ":" + port + "/api/v1/witness/add-checkpoint",
            "key", witnessKey.vkey());
    return config
        .withValue("medtrace.http.port", ConfigValueFactory.fromAnyRef(port))
        .withValue("medtrace.witness.trusted-logs", ConfigValueFactory.fromIterable(trustedLogs))
        .withValue("medtrace.global-log.witnesses.quorum", ConfigValueFactory.fromAnyRef(1))
        .withValue("medtrace.global-log.witnesses.list", ConfigValueFactory.fromIterable(List.of(self)));
  }

  private static int freePort(String host) {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + host + " for the API", e);
    }
  }
}
