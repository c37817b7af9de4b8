package org.medtrace.persistence.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.LedgerFixtures;
import org.medtrace.persistence.chain.JournalRecord;
import org.medtrace.persistence.chain.UnreadableRecord;

class LedgerEventSerializerTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void pekkoPicksTheLedgerSerializerAndRoundTripsTheStoredBytes() throws Exception {
    ChainedEvent event = LedgerFixtures.chain(2, Optional.of(LedgerFixtures.rfc8032Signer())).get(1);
    Serialization serialization = SerializationExtension.get(testKit.system());
    var serializer = serialization.findSerializerFor(event);
    assertEquals(LedgerEventSerializer.IDENTIFIER, serializer.identifier());

    byte[] bytes = serializer.toBinary(event);
    Object back = serialization.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, event)).get();
    ChainedEvent decoded = assertInstanceOf(ChainedEvent.class, back);
    assertEquals(event, decoded);
    assertArrayEquals(event.envelope().getBody().toByteArray(), decoded.envelope().getBody().toByteArray());
  }

  @Test
  void badEnvelopeBytesDecodeToAnUnreadableRecord() {
    UnreadableRecord record =
        assertInstanceOf(UnreadableRecord.class, JournalRecord.decode(new byte[] {0x0a, 0x7f}));
    assertTrue(record.envelope().isEmpty());
    assertTrue(record.problem().startsWith("not a LedgerEvent"), record.problem());
  }

  @Test
  void badBodyBytesKeepTheEnvelopeForTheVerifier() {
    ChainedEvent event = LedgerFixtures.chain(1, Optional.empty()).get(0);
    byte[] stored =
        event.envelope().toBuilder().setBody(ByteString.copyFrom(new byte[] {0x0a, 0x7f})).build().toByteArray();
    UnreadableRecord record = assertInstanceOf(UnreadableRecord.class, JournalRecord.decode(stored));
    assertTrue(record.envelope().isPresent());
  }

  @Test
  void unknownManifestIsUnreadableAndUnreadableRecordsAreNeverWritten() throws Exception {
    LedgerEventSerializer serializer = new LedgerEventSerializer();
    assertInstanceOf(UnreadableRecord.class, serializer.fromBinary(new byte[0], "something.else"));
    UnreadableRecord unreadable = new UnreadableRecord(new byte[] {1}, Optional.empty(), "test");
    assertThrows(IllegalArgumentException.class, () -> serializer.toBinary(unreadable));
  }
}
