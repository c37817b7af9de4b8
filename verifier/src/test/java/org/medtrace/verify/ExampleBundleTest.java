package org.medtrace.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes an example bundle and its key files to {@code target/example/}, so that the command line
 * can be tried by hand (README), and checks that the bundle verifies there. 12 of its 57 events are
 * signed submissions (pharma-x 7, hospital-a 5); the network CA's certificate is {@code ca.pem}.
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
    Path bundle = dir.resolve("bundle.json");
    BundleWriter.write(fixture.bundle, bundle);
    Path ca = Files.copy(signed.ca.directory().caCertificate(), dir.resolve("ca.pem"), StandardCopyOption.REPLACE_EXISTING);
    List<String> args = new ArrayList<>(fixture.trustArguments(dir));
    args.add("--ca");
    args.add(ca.toString());
    args.add(bundle.toString());
    assertEquals(Main.VERIFIED, Main.run(args.toArray(String[]::new), System.out, System.err));
  }
}
