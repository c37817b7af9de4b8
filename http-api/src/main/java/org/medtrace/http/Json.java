package org.medtrace.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * JSON of the API: request records are read strictly (an unknown property, a wrong type or a
 * trailing token is a 400 naming the field), times are ISO-8601, absent optionals are left out.
 */
public final class Json {

  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .addModule(new Jdk8Module())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .serializationInclusion(JsonInclude.Include.NON_ABSENT)
          .build();

  private Json() {}

  /** {@code body} as a {@code type}, or a 400 problem saying what is wrong and where. */
  public static <T> T read(byte[] body, Class<T> type) {
    if (body.length == 0) {
      throw new Problem(Problem.Type.MALFORMED_REQUEST, "the request needs a JSON body");
    }
    try {
      T value = MAPPER.readValue(body, type);
      if (value == null) {
        throw new Problem(Problem.Type.MALFORMED_REQUEST, "the request body must be a JSON object, was null");
      }
      return value;
    } catch (UnrecognizedPropertyException e) {
      String known =
          e.getKnownPropertyIds() == null
              ? ""
              : "; known: " + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
      throw Problem.invalidField(path(e), "unknown field '" + e.getPropertyName() + "'" + known);
    } catch (InvalidFormatException e) {
      throw Problem.invalidField(
          path(e), "field '" + path(e) + "' has the value " + e.getValue() + ", which is not a " + simpleName(e.getTargetType()));
    } catch (MismatchedInputException e) {
      String field = path(e);
      if (field.isEmpty()) {
        throw new Problem(Problem.Type.MALFORMED_REQUEST, "the request body must be a JSON object: " + e.getOriginalMessage());
      }
      throw Problem.invalidField(field, "field '" + field + "' must be a " + simpleName(e.getTargetType()) + ": " + e.getOriginalMessage());
    } catch (JsonMappingException e) {
      String field = path(e);
      String cause = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getOriginalMessage();
      throw field.isEmpty()
          ? new Problem(Problem.Type.MALFORMED_REQUEST, cause)
          : Problem.invalidField(field, "field '" + field + "': " + cause);
    } catch (JsonProcessingException e) {
      throw new Problem(
          Problem.Type.MALFORMED_REQUEST,
          "malformed JSON at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw new Problem(Problem.Type.MALFORMED_REQUEST, "unreadable request body: " + e.getMessage());
    }
  }

  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON of " + value.getClass().getName(), e);
    }
  }

  /**
   * A JSON document already serialized elsewhere (a payload in protobuf's JSON mapping), to embed
   * as it is: parsing it into a tree only to write it out again was a third of a trail page's CPU.
   * The text MUST be one well-formed JSON value; it is written without a check.
   */
  public static Object embedded(String json) {
    return new EmbeddedJson(json);
  }

  @JsonSerialize(using = EmbeddedJsonWriter.class)
  private record EmbeddedJson(String json) {}

  private static final class EmbeddedJsonWriter extends StdSerializer<EmbeddedJson> {
    EmbeddedJsonWriter() {
      super(EmbeddedJson.class);
    }

    @Override
    public void serialize(EmbeddedJson value, JsonGenerator generator, SerializerProvider provider) throws java.io.IOException {
      generator.writeRawValue(value.json());
    }
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
        .collect(Collectors.joining("."))
        .replace(".[", "[");
  }

  private static String simpleName(Class<?> type) {
    if (type == null) {
      return "value of the expected type";
    }
    Map<Class<?>, String> names =
        Map.of(
            Long.class, "whole number", long.class, "whole number",
            Integer.class, "whole number", int.class, "whole number",
            Double.class, "number", double.class, "number",
            String.class, "string", java.time.Instant.class, "ISO-8601 instant (e.g. 2026-05-01T10:00:00Z)",
            java.time.LocalDate.class, "ISO-8601 date (e.g. 2027-12-31)");
    return names.getOrDefault(type, type.getSimpleName());
  }
}
