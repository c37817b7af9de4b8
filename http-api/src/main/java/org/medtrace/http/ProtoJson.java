package org.medtrace.http;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Protobuf's JSON mapping of a message, character for character what {@code
 * JsonFormat.printer().omittingInsignificantWhitespace()} prints, for the payloads of trail and
 * alert pages. {@code JsonFormat} was the largest share of the CPU a 1,000-event trail read spent
 * in the node (load-tests/README.md, "Profiling the full path"): it collects every message's
 * fields into a sorted map, concatenates a string per token, escapes each string through Gson and
 * formats a timestamp's fraction with {@code String.format}. This walks a list of each type's
 * fields, made once, and appends to one buffer.
 *
 * <p>It MUST print what {@code JsonFormat} prints or what {@code JsonFormat} would throw: a type
 * it does not handle itself, anything holding a well-known type other than {@code Timestamp}
 * ({@code Any}, {@code Duration}, {@code Struct}, wrappers, ...) or an extension, is printed by
 * {@code JsonFormat} whole, and so is a message holding a timestamp out of the mapping's range
 * (where {@code JsonFormat} fails). {@code ProtoJsonTest} compares the two over random instances of
 * every ledger payload. Default options only: lowerCamelCase names, fields at their default
 * omitted, enums by name.
 */
final class ProtoJson {

  private static final JsonFormat.Printer REFERENCE = JsonFormat.printer().omittingInsignificantWhitespace();
  private static final String TIMESTAMP = Timestamp.getDescriptor().getFullName();
  private static final String WELL_KNOWN_PACKAGE = "google.protobuf.";
  /** The range the mapping allows: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z. */
  private static final long MIN_SECONDS = -62_135_596_800L;
  private static final long MAX_SECONDS = 253_402_300_799L;

  /** How Gson (which {@code JsonFormat} escapes strings with) writes the characters below 0x20. */
  private static final String[] CONTROL_ESCAPES = new String[0x20];

  static {
    for (int c = 0; c < 0x20; c++) {
      CONTROL_ESCAPES[c] = String.format("\\u%04x", c);
    }
    CONTROL_ESCAPES['\b'] = "\\b";
    CONTROL_ESCAPES['\t'] = "\\t";
    CONTROL_ESCAPES['\n'] = "\\n";
    CONTROL_ESCAPES['\f'] = "\\f";
    CONTROL_ESCAPES['\r'] = "\\r";
  }

  /** Gson's HTML-safe escapes, indexed from '&' (0x26) to '>' (0x3e); only those five are used. */
  private static final String[] HTML_ESCAPES = new String['>' - '&' + 1];

  static {
    for (char c : new char[] {'<', '>', '&', '=', '\''}) {
      HTML_ESCAPES[c - '&'] = String.format("\\u%04x", (int) c);
    }
  }

  /** Per message type: its fields in the order {@code JsonFormat} prints them; empty if it prints them itself. */
  private static final Map<Descriptor, Optional<List<Field>>> LAYOUTS = new ConcurrentHashMap<>();

  /** A field with its name as written: {@code "jsonName":}. */
  private record Field(FieldDescriptor descriptor, String nameAndColon) {}

  /** Thrown inside a print where {@code JsonFormat} would fail, so that it fails as {@code JsonFormat} does. */
  private static final class LeftToReference extends RuntimeException {
    LeftToReference() {
      super(null, null, false, false);
    }
  }

  private ProtoJson() {}

  /** {@code message} in protobuf's JSON mapping, or {@code JsonFormat}'s failure to print it. */
  static String print(Message message) throws InvalidProtocolBufferException {
    StringBuilder out = new StringBuilder(256);
    try {
      value(out, message);
    } catch (LeftToReference e) {
      return REFERENCE.print(message);
    }
    return out.toString();
  }

  private static Optional<List<Field>> layout(Descriptor type) {
    Optional<List<Field>> known = LAYOUTS.get(type);
    if (known != null) {
      return known;
    }
    Optional<List<Field>> computed = printable(type, new HashSet<>()) ? Optional.of(fieldsOf(type)) : Optional.empty();
    LAYOUTS.putIfAbsent(type, computed);
    return computed;
  }

  /** Whether this printer handles {@code type} and everything it holds; {@code visiting} breaks cycles. */
  private static boolean printable(Descriptor type, Set<Descriptor> visiting) {
    String name = type.getFullName();
    if (name.equals(TIMESTAMP)) {
      return true;
    }
    if (name.startsWith(WELL_KNOWN_PACKAGE) || type.isExtendable()) {
      return false;
    }
    if (!visiting.add(type)) {
      return true; // being checked further up: a recursive type
    }
    for (FieldDescriptor field : type.getFields()) {
      switch (field.getType()) {
        case GROUP:
          return false;
        case ENUM:
          if (field.getEnumType().getFullName().startsWith(WELL_KNOWN_PACKAGE)) {
            return false;
          }
          break;
        case MESSAGE:
          if (!printable(field.getMessageType(), visiting)) {
            return false;
          }
          break;
        default:
          break;
      }
    }
    return true;
  }

  /** {@code JsonFormat} prints a message's set fields ordered by number (its {@code getAllFields()}'s order). */
  private static List<Field> fieldsOf(Descriptor type) {
    List<Field> fields = new ArrayList<>();
    for (FieldDescriptor field : type.getFields()) {
      fields.add(new Field(field, "\"" + field.getJsonName() + "\":"));
    }
    fields.sort(Comparator.comparingInt(field -> field.descriptor().getNumber()));
    return List.copyOf(fields);
  }

  private static void value(StringBuilder out, Message message) {
    Descriptor type = message.getDescriptorForType();
    if (type.getFullName().equals(TIMESTAMP)) {
      timestamp(out, message);
      return;
    }
    out.append('{');
    boolean first = true;
    for (Field field : layout(type).orElseThrow(LeftToReference::new)) {
      FieldDescriptor descriptor = field.descriptor();
      boolean set = descriptor.isRepeated() ? message.getRepeatedFieldCount(descriptor) > 0 : message.hasField(descriptor);
      if (!set) {
        continue;
      }
      if (!first) {
        out.append(',');
      }
      first = false;
      out.append(field.nameAndColon());
      Object value = message.getField(descriptor);
      if (descriptor.isMapField()) {
        map(out, descriptor, (List<?>) value);
      } else if (descriptor.isRepeated()) {
        out.append('[');
        List<?> elements = (List<?>) value;
        for (int i = 0; i < elements.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          single(out, descriptor, elements.get(i), false);
        }
        out.append(']');
      } else {
        single(out, descriptor, value, false);
      }
    }
    out.append('}');
  }

  private static void map(StringBuilder out, FieldDescriptor field, List<?> entries) {
    FieldDescriptor keyField = field.getMessageType().findFieldByName("key");
    FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
    out.append('{');
    for (int i = 0; i < entries.size(); i++) {
      Message entry = (Message) entries.get(i);
      if (i > 0) {
        out.append(',');
      }
      single(out, keyField, entry.getField(keyField), true);
      out.append(':');
      single(out, valueField, entry.getField(valueField), false);
    }
    out.append('}');
  }

  /** One value; {@code quoted} for map keys, which the mapping writes as strings whatever their type. */
  private static void single(StringBuilder out, FieldDescriptor field, Object value, boolean quoted) {
    String quote = quoted ? "\"" : "";
    switch (field.getType()) {
      case INT32, SINT32, SFIXED32 -> out.append(quote).append((int) (Integer) value).append(quote);
      case UINT32, FIXED32 -> out.append(quote).append(Integer.toUnsignedString((Integer) value)).append(quote);
      case INT64, SINT64, SFIXED64 -> out.append('"').append((long) (Long) value).append('"');
      case UINT64, FIXED64 -> out.append('"').append(Long.toUnsignedString((Long) value)).append('"');
      case BOOL -> out.append(quote).append((boolean) (Boolean) value).append(quote);
      case DOUBLE -> floating(out, (Double) value, quote);
      case FLOAT -> {
        float number = (Float) value;
        if (Float.isNaN(number) || Float.isInfinite(number)) {
          floating(out, (double) number, quote);
        } else {
          out.append(quote).append(Float.toString(number)).append(quote);
        }
      }
      case STRING -> string(out, (String) value);
      case BYTES -> out.append('"').append(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray())).append('"');
      case ENUM -> {
        EnumValueDescriptor constant = (EnumValueDescriptor) value;
        // A number no constant of this build has (an open enum's unknown value) is written as the number.
        if (constant.getIndex() == -1) {
          out.append(constant.getNumber());
        } else {
          out.append('"').append(constant.getName()).append('"');
        }
      }
      case MESSAGE -> value(out, (Message) value);
      default -> throw new LeftToReference();
    }
  }

  private static void floating(StringBuilder out, double number, String quote) {
    if (Double.isNaN(number)) {
      out.append("\"NaN\"");
    } else if (Double.isInfinite(number)) {
      out.append(number < 0 ? "\"-Infinity\"" : "\"Infinity\"");
    } else {
      out.append(quote).append(Double.toString(number)).append(quote);
    }
  }

  /** A JSON string escaped as the Gson of {@code JsonFormat} escapes it, HTML's five characters included. */
  private static void string(StringBuilder out, String text) {
    out.append('"');
    int copied = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String escape;
      if (c < 0x20) {
        escape = CONTROL_ESCAPES[c];
      } else if (c == '"') {
        escape = "\\\"";
      } else if (c == '\\') {
        escape = "\\\\";
      } else if (c == '<' || c == '>' || c == '&' || c == '=' || c == '\'') {
        escape = HTML_ESCAPES[c - '&'];
      } else if (c == '\u2028') {
        escape = "\\u2028";
      } else if (c == '\u2029') {
        escape = "\\u2029";
      } else {
        continue;
      }
      out.append(text, copied, i).append(escape);
      copied = i + 1;
    }
    out.append(text, copied, text.length()).append('"');
  }

  /** RFC 3339 in UTC with 0, 3, 6 or 9 digits of fraction, as {@code Timestamps.toString} writes it. */
  private static void timestamp(StringBuilder out, Message message) {
    if (!(message instanceof Timestamp timestamp)) {
      throw new LeftToReference();
    }
    long seconds = timestamp.getSeconds();
    int nanos = timestamp.getNanos();
    if (seconds < MIN_SECONDS || seconds > MAX_SECONDS || nanos < 0 || nanos > 999_999_999) {
      throw new LeftToReference();
    }
    LocalDateTime time = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
    out.append('"');
    digits(out, time.getYear(), 4).append('-');
    digits(out, time.getMonthValue(), 2).append('-');
    digits(out, time.getDayOfMonth(), 2).append('T');
    digits(out, time.getHour(), 2).append(':');
    digits(out, time.getMinute(), 2).append(':');
    digits(out, time.getSecond(), 2);
    if (nanos != 0) {
      out.append('.');
      if (nanos % 1_000_000 == 0) {
        digits(out, nanos / 1_000_000, 3);
      } else if (nanos % 1_000 == 0) {
        digits(out, nanos / 1_000, 6);
      } else {
        digits(out, nanos, 9);
      }
    }
    out.append("Z\"");
  }

  /** {@code value} (not negative) left-padded with zeros to {@code width} digits. */
  private static StringBuilder digits(StringBuilder out, int value, int width) {
    String text = Integer.toString(value);
    for (int pad = width - text.length(); pad > 0; pad--) {
      out.append('0');
    }
    return out.append(text);
  }
}
