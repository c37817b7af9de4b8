package org.medtrace.persistence.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Pins the ledger format: fixed inputs must give the committed hex values of
 * {@code golden/ledger-format-v1.properties}. If one of these fails, the format changed: that is a
 * compatibility event for every verifier outside this code, not a test to update casually.
 */
class GoldenVectorsTest {

  private final Properties golden = load("/golden/ledger-format-v1.properties");

  @Test
  void genesisValuesAreFixed() {
    assertGolden("genesis.drug-batch", HashChain.hex(HashChain.genesis("drug-batch", "09506000134352/L42")));
    assertGolden("genesis.patient-record", HashChain.hex(HashChain.genesis("patient-record", "pk-7f3a9c")));
    assertGolden("genesis.unicode-id", HashChain.hex(HashChain.genesis("medical-device", "Gerät/Nº-7")));
  }

  @Test
  void linkHashCoversPrefixPrevHashAndBodyBytes() {
    byte[] prev = HashChain.fromHex(golden.getProperty("genesis.drug-batch"));
    byte[] body = "any stored body bytes".getBytes(StandardCharsets.UTF_8);
    assertGolden("link.raw-body", HashChain.hex(HashChain.link(prev, body)));
    assertGolden("link.empty-body", HashChain.hex(HashChain.link(prev, new byte[0])));
  }

  @Test
  void eventBodyEncodingAndChainAreFixed() {
    List<ChainedEvent> chain = LedgerFixtures.chain(3, Optional.empty());
    for (int i = 0; i < chain.size(); i++) {
      ChainedEvent event = chain.get(i);
      int seq = i + 1;
      assertGolden("event." + seq + ".body", HashChain.hex(event.envelope().getBody().toByteArray()));
      assertGolden("event." + seq + ".hash", event.hashHex());
    }
  }

  @Test
  void ed25519SignatureOverHashIsFixed() {
    ChainedEvent first = LedgerFixtures.chain(1, Optional.of(LedgerFixtures.rfc8032Signer())).get(0);
    assertGolden("event.1.signature", HashChain.hex(first.envelope().getSignature().toByteArray()));
    assertEquals(LedgerFixtures.KEY_ID, first.envelope().getKeyId());
    assertGolden("event.1.envelope", HashChain.hex(first.envelope().toByteArray()));
  }

  private void assertGolden(String key, String actual) {
    assertEquals(golden.getProperty(key), actual, "golden vector " + key);
  }

  private static Properties load(String resource) {
    try (InputStream in = GoldenVectorsTest.class.getResourceAsStream(resource)) {
      Properties properties = new Properties();
      properties.load(in);
      return properties;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
