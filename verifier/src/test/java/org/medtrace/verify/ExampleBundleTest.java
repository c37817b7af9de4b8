package org.medtrace.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Writes an example bundle and its key files to {@code target/example/}, so that the command line
 * can be tried by hand (README), and checks that the bundle verifies there.
 */
class ExampleBundleTest {

  @Test
  void writesAVerifiableExampleBundle() throws IOException {
    Path dir = Files.createDirectories(Path.of("target", "example"));
    BundleFixture fixture = new BundleFixture(57);
    Path bundle = dir.resolve("bundle.json");
    BundleWriter.write(fixture.bundle, bundle);
    List<String> args = new ArrayList<>(fixture.trustArguments(dir));
    args.add(bundle.toString());
    assertEquals(Main.VERIFIED, Main.run(args.toArray(String[]::new), System.out, System.err));
  }
}
