package org.medtrace.k8s;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rendering fails loudly, with what to do, instead of testing nothing. */
class KustomizeTest {

  @Test
  void saysHowToInstallKubectlWhenItIsMissing() {
    IllegalStateException failure = assertThrows(IllegalStateException.class,
        () -> Kustomize.render("/nonexistent/kubectl", Kustomize.K8S_DIR.resolve("base")));
    assertTrue(failure.getMessage().contains("apt-get install kubernetes-client"), failure.getMessage());
  }

  @Test
  void reportsKubectlsErrorForABrokenKustomization(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("kustomization.yaml"), "resources:\n  - missing.yaml\n");
    IllegalStateException failure = assertThrows(IllegalStateException.class,
        () -> Kustomize.render(Kustomize.kubectl(), dir));
    assertTrue(failure.getMessage().contains("missing.yaml"), failure.getMessage());
  }
}
