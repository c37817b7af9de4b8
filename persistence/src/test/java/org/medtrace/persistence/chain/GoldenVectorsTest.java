package org.medtrace.persistence.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.SubmissionSignature;

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

  @Test
  void submissionSignatureEncodingIsFixed() throws Exception {
    String keyId = golden.getProperty("signed-submission.key-id");
    byte[] signedRequest =
        ("medtrace-signed-request/v1\nPOST\n/api/v1/batches\n"
                + HashChain.hex(HashChain.sha256("{}".getBytes(StandardCharsets.UTF_8)))
                + "\nreq-0001\n1790000000\n" + keyId + "\n")
            .getBytes(StandardCharsets.UTF_8);
    java.security.Signature ed25519 = java.security.Signature.getInstance("Ed25519");
    ed25519.initSign(LedgerFixtures.ed25519PrivateKey(LedgerFixtures.RFC8032_SEED_HEX));
    ed25519.update(signedRequest);
    byte[] signature = ed25519.sign();
    assertGolden("signed-submission.signature", HashChain.hex(signature));

    EventBody.Builder body =
        LedgerFixtures.registeredBody()
            .setSubmissionSignature(
                SubmissionSignature.newBuilder()
                    .setKeyId(keyId)
                    .setSignature(ByteString.copyFrom(signature))
                    .setSignedRequest(ByteString.copyFrom(signedRequest)));
    ChainedEvent event =
        ChainedEvent.seal(ChainHead.genesis(LedgerFixtures.BATCH_TYPE, LedgerFixtures.BATCH_ID), body, Optional.empty());
    assertGolden("signed-submission.body", HashChain.hex(event.envelope().getBody().toByteArray()));
    assertGolden("signed-submission.hash", event.hashHex());
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
