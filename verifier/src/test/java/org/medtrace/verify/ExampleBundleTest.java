package org.medtrace.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medtrace.identity.NetworkCa;
import org.medtrace.identity.NetworkTrust;
import org.medtrace.identity.NoteKeyRole;

/**
 * Writes an example bundle and its key files to {@code target/example/}, so that the command line
 * can be tried by hand (README), and checks that the bundle verifies there. 12 of its 57 events are
 * signed submissions (pharma-x 7, hospital-a 5); the network CA's certificate is {@code ca.pem}, and
 * the CA certifies the log's key and the four witnesses' keys, so that it verifies with that alone.
 */
class ExampleBundleTest {

  @Test
  void writesAVerifiableExampleBundle(@TempDir Path caParent) throws IOException {
    Path dir = Files.createDirectories(Path.of("target", "example"));
    SignedChainFixture signed = new SignedChainFixture(caParent.resolve("ca"));
    List<Integer> byPharma = IntStream.rangeClosed(1, 7).boxed().toList();
    List<Integer> byHospital = List.of(20, 21, 22, 40, 41);
    BundleFixture fixture =
        new BundleFixture(
            signed.chain(57, signed.honest(byPharma, byHospital)), signed.exporter(List.of(signed.pharma, signed.hospital)));
    // The CA certifies the log's and the witnesses' keys, from before the checkpoint was signed, and
    // the node exports what its trust directory (the CA's public files) has.
    NetworkCa certifying =
        NetworkCa.open(signed.ca.directory().root(), Clock.fixed(BundleFixture.SIGNED_AT.minus(Duration.ofDays(10)), ZoneOffset.UTC));
    certifying.certify("medtrace-operator", NoteKeyRole.LOG, fixture.log.verifierKey(), Duration.ofDays(365));
    for (String witness : BundleFixture.WITNESS_NAMES) {
      certifying.certify(witness, NoteKeyRole.WITNESS, fixture.witnessKey(witness), Duration.ofDays(365));
    }
    Path bundle = dir.resolve("bundle.json");
    BundleWriter.write(fixture.assemble(SigningCertificates.of(NetworkTrust.load(signed.ca.directory().root()))), bundle);
    Path ca = Files.copy(signed.ca.directory().caCertificate(), dir.resolve("ca.pem"), StandardCopyOption.REPLACE_EXISTING);

    List<String> trusting = new ArrayList<>(fixture.trustArguments(dir));
    trusting.addAll(List.of("--ca", ca.toString(), bundle.toString()));
    assertEquals(Main.VERIFIED, Main.run(trusting.toArray(String[]::new), System.out, System.err));
    // With nothing but the CA's certificate (and the auditor's quorum).
    assertEquals(Main.VERIFIED, Main.run(new String[] {"--ca", ca.toString(), "--quorum", "3", bundle.toString()}, System.out, System.err));
  }
}
