package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.Role;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * The README's walk-through runs as written against a node: its {@code sh} blocks are executed by
 * bash with curl, with only the API address and the tokens filled in ({@code bin/medtrace token}
 * needs the development node, which is not running here; the same issuer mints them). Every curl
 * fails the script on an error status. Run twice, the idempotency keys make the second run store
 * nothing new.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadmeWalkthroughTest {

  private static final Pattern TOKEN_COMMAND =
      Pattern.compile("\\$\\(bin/medtrace token --role (\\S+) --org (\\S+) --user (\\S+)\\)");
  private static final Pattern SH_BLOCK = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL);

  private ApiTestNode node;

  @BeforeAll
  void start() {
    node = ApiTestNode.start("http_readme");
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void theWalkthroughRunsAsWrittenAndTwiceChangesNothingMore() throws Exception {
    String script = script();
    String firstOutput = run(script);
    assertTrue(firstOutput.contains("\"status\":\"intact\""), firstOutput);

    String regulator = node.tokens().token(Role.REGULATOR, "health-authority", "inspector-1");
    ApiClient api = node.client();
    long batchHead = api.get("/api/v1/batches/4006381333931/L-2026-001", regulator).json().path("sequenceNumber").asLong();
    assertEquals("IN_STOCK", api.get("/api/v1/batches/4006381333931/L-2026-001", regulator).json().path("status").asText());
    assertEquals("DECOMMISSIONED", api.get("/api/v1/devices/medidevice-gmbh%2FSN-1001", regulator).json().path("status").asText());
    JsonNode log = api.get("/api/v1/patients/patient-4711-abcd/access-log", regulator).json().path("entries");
    assertEquals(1, log.size(), log.toString());
    assertEquals("dr-house", log.get(0).path("party").path("user").asText());
    assertEquals("consent-1", log.get(0).path("consentId").asText());

    run(script);

    assertEquals(batchHead, api.get("/api/v1/batches/4006381333931/L-2026-001", regulator).json().path("sequenceNumber").asLong());
    assertEquals(2, api.get("/api/v1/patients/patient-4711-abcd/access-log", regulator).json().path("entries").size(),
        "the second run's read is recorded too: reads are never deduplicated away");
  }

  /** The README's sh blocks, with the API address and the tokens filled in. */
  private String script() throws IOException {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    List<String> blocks = new ArrayList<>();
    Matcher block = SH_BLOCK.matcher(readme);
    while (block.find()) {
      blocks.add(block.group(1));
    }
    assertFalse(blocks.isEmpty(), "the README has sh blocks");
    String script = String.join("\n", blocks);
    String base = node.client().base().toString().replaceAll("/$", "");
    assertTrue(script.contains("API=http://localhost:8080"), "the walk-through starts with the development node's address");
    script = script.replace("API=http://localhost:8080", "API=" + base);
    Matcher token = TOKEN_COMMAND.matcher(script);
    StringBuilder filled = new StringBuilder();
    while (token.find()) {
      Role role = Role.fromWireName(token.group(1)).orElseThrow(() -> new AssertionError("unknown role " + token.group(1)));
      token.appendReplacement(filled, Matcher.quoteReplacement(node.tokens().token(role, token.group(2), token.group(3))));
    }
    token.appendTail(filled);
    return "set -euo pipefail\n" + filled;
  }

  private static String run(String script) throws Exception {
    ProcessBuilder bash = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true);
    // The API is on a loopback address; a proxy from the environment must not be asked for it.
    bash.environment().keySet().removeIf(name -> name.toLowerCase(java.util.Locale.ROOT).endsWith("_proxy"));
    Process process = bash.start();
    byte[] output = process.getInputStream().readAllBytes();
    assertTrue(process.waitFor(Duration.ofMinutes(2).toSeconds(), TimeUnit.SECONDS), "the walk-through finished");
    String text = new String(output, StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), text);
    return text;
  }
}
