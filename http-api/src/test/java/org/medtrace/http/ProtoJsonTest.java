package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.JsonFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.TemperatureReading;
import org.medtrace.ledger.v1.TemperatureRecorded;

class ProtoJsonTest {

  private static final JsonFormat.Printer REFERENCE = JsonFormat.printer().omittingInsignificantWhitespace();
  private static final int INSTANCES_PER_TYPE = 500;

  /** Characters that JSON escapes, that HTML escaping would, and beyond the Basic Multilingual Plane. */
  private static final String CHARACTERS =
      "abcXYZ019 _-/.:\"\\'<>&=\u007f\u0080é中\u2028\u2029\ud83d\ude00\ud800\udfff"
          + "\u0000\u0001\b\t\n\u000b\f\r\u001b\u001f";

  private static final double[] DOUBLES = {
    0.0, -0.0, 1.0, -1.0, 36.6, 2.5e-8, 1e-300, 1e300, 1e7, 9_999_999.0, 1e-3, 0.1 + 0.2,
    Double.MIN_VALUE, Double.MAX_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY
  };

  @Test
  void printsEveryLedgerPayloadAsJsonFormatDoes() throws InvalidProtocolBufferException {
    Random random = new Random(20261130L);
    EventBody.Builder body = EventBody.newBuilder();
    List<FieldDescriptor> payloads = EventBody.getDescriptor().getOneofs().get(0).getFields();
    for (FieldDescriptor payload : payloads) {
      assertSame(body.newBuilderForField(payload).build());
      for (int i = 0; i < INSTANCES_PER_TYPE; i++) {
        Message.Builder builder = body.newBuilderForField(payload);
        fill(builder, random, 0);
        assertSame(builder.build());
      }
    }
  }

  @Test
  void printsWholeEventBodiesAsJsonFormatDoes() throws InvalidProtocolBufferException {
    Random random = new Random(7L);
    for (int i = 0; i < INSTANCES_PER_TYPE; i++) {
      EventBody.Builder body = EventBody.newBuilder();
      fill(body, random, 0);
      assertSame(body.build());
    }
  }

  @Test
  void failsAsJsonFormatDoesOnATimestampOutOfTheMappingsRange() {
    TemperatureRecorded beyondYear9999 =
        TemperatureRecorded.newBuilder()
            .setReading(
                TemperatureReading.newBuilder()
                    .setSensorId("probe-1")
                    .setMeasuredAt(Timestamp.newBuilder().setSeconds(253_402_300_800L)))
            .build();
    Exception expected = assertThrows(Exception.class, () -> REFERENCE.print(beyondYear9999));
    Exception actual = assertThrows(Exception.class, () -> ProtoJson.print(beyondYear9999));
    assertEquals(expected.getClass(), actual.getClass());
    assertEquals(expected.getMessage(), actual.getMessage());
  }

  @Test
  void leavesOtherWellKnownTypesToJsonFormat() throws InvalidProtocolBufferException {
    assertSame(Durations.fromMillis(1_500));
    assertSame(
        Struct.newBuilder()
            .putFields("celsius", Value.newBuilder().setNumberValue(4.5).build())
            .putFields("probes", Value.newBuilder().setListValue(ListValue.newBuilder().addValues(Value.newBuilder().setStringValue("a\u2028"))).build())
            .build());
    Any packed = Any.pack(TemperatureRecorded.newBuilder().setWithinRange(true).build());
    // Without a type registry JsonFormat cannot print an Any's content: the same failure.
    InvalidProtocolBufferException expected = assertThrows(InvalidProtocolBufferException.class, () -> REFERENCE.print(packed));
    InvalidProtocolBufferException actual = assertThrows(InvalidProtocolBufferException.class, () -> ProtoJson.print(packed));
    assertEquals(expected.getMessage(), actual.getMessage());
  }

  /** The same characters for {@code message} as built, and as read back from its bytes (as pages read payloads). */
  private static void assertSame(Message message) throws InvalidProtocolBufferException {
    Message parsed = message.getParserForType().parseFrom(message.toByteString());
    for (Message printed : List.of(message, parsed)) {
      assertEquals(
          REFERENCE.print(printed), ProtoJson.print(printed), () -> "printing " + printed.getDescriptorForType().getName() + ": " + printed);
    }
  }

  /** Sets a random selection of {@code builder}'s fields (a oneof's last set member wins) to random values. */
  private static void fill(Message.Builder builder, Random random, int depth) {
    for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
      if (random.nextInt(10) < 3 || (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && depth > 3)) {
        continue;
      }
      if (field.isMapField()) {
        Descriptor entryType = field.getMessageType();
        for (int i = random.nextInt(5); i > 0; i--) {
          Message.Builder entry = builder.newBuilderForField(field);
          entry.setField(entryType.findFieldByName("key"), value(entry, entryType.findFieldByName("key"), random, depth));
          entry.setField(entryType.findFieldByName("value"), value(entry, entryType.findFieldByName("value"), random, depth));
          builder.addRepeatedField(field, entry.build());
        }
      } else if (field.isRepeated()) {
        for (int i = random.nextInt(4); i > 0; i--) {
          builder.addRepeatedField(field, value(builder, field, random, depth));
        }
      } else {
        builder.setField(field, value(builder, field, random, depth));
      }
    }
  }

  private static Object value(Message.Builder owner, FieldDescriptor field, Random random, int depth) {
    return switch (field.getType()) {
      case INT32, SINT32, SFIXED32, UINT32, FIXED32 -> random.nextInt(4) == 0 ? random.nextInt() : random.nextInt(3) - 1;
      case INT64, SINT64, SFIXED64, UINT64, FIXED64 -> random.nextInt(4) == 0 ? random.nextLong() : (long) random.nextInt(3) - 1;
      case BOOL -> random.nextBoolean();
      case DOUBLE -> random.nextInt(3) == 0 ? random.nextDouble() * 200 - 100 : DOUBLES[random.nextInt(DOUBLES.length)];
      case FLOAT -> (float) DOUBLES[random.nextInt(DOUBLES.length)];
      case STRING -> string(random);
      case BYTES -> {
        byte[] bytes = new byte[random.nextInt(40)];
        random.nextBytes(bytes);
        yield ByteString.copyFrom(bytes);
      }
      case ENUM -> {
        List<EnumValueDescriptor> constants = field.getEnumType().getValues();
        // Now and then a number this build has no constant for, as a newer writer could store.
        yield random.nextInt(8) == 0
            ? field.getEnumType().findValueByNumberCreatingIfUnknown(1_000 + random.nextInt(1_000))
            : constants.get(random.nextInt(constants.size()));
      }
      case MESSAGE -> {
        Message.Builder nested = owner.newBuilderForField(field);
        if (field.getMessageType().equals(Timestamp.getDescriptor())) {
          yield timestamp(random);
        }
        fill(nested, random, depth + 1);
        yield nested.build();
      }
      default -> throw new IllegalArgumentException("no random value for " + field.getType());
    };
  }

  private static String string(Random random) {
    StringBuilder text = new StringBuilder();
    for (int i = random.nextInt(12); i > 0; i--) {
      text.append(CHARACTERS.charAt(random.nextInt(CHARACTERS.length())));
    }
    return text.toString();
  }

  /** Anywhere in the years 1 to 9999, with no fraction, or one of milli-, micro- or nanoseconds. */
  private static Timestamp timestamp(Random random) {
    long seconds = -62_135_596_800L + (long) (random.nextDouble() * (253_402_300_799L + 62_135_596_800L));
    int nanos =
        switch (random.nextInt(4)) {
          case 0 -> 0;
          case 1 -> random.nextInt(1_000) * 1_000_000;
          case 2 -> random.nextInt(1_000_000) * 1_000;
          default -> random.nextInt(1_000_000_000);
        };
    return Timestamp.newBuilder().setSeconds(seconds).setNanos(nanos).build();
  }
}
