package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.Role;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * The authorisation matrix: every role against every endpoint of the table. A role the endpoint
 * does not allow gets 403 {@code role-not-allowed} before anything is read or written; an allowed
 * role gets past authorisation (its request, with an empty body and unknown ids, then fails on
 * validation or as not found, never 401 or 403). Without a token every secured endpoint is 401.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorisationMatrixTest {

  static final String PATIENT = "patient-matrix-0001";
  private static final Pattern PARAMETER = Pattern.compile("\\{([^}]+)}");
  private static final Map<String, String> SAMPLE_IDS =
      Map.of(
          "gtin", Gtins.withCheckDigit("400638133393"),
          "lot", "MATRIX-1",
          "serial", "SERIAL-1",
          "deviceId", PathSegments.encode("matrix-maker/SN-1"),
          "patientId", PATIENT,
          "recordId", "record-1",
          "consentId", "consent-1",
          "slice", "0",
          "sequenceNumber", "1");

  private ApiTestNode node;

  @BeforeAll
  void start() {
    node = ApiTestNode.start("http_matrix");
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  @TestFactory
  List<DynamicTest> everyRoleAgainstEveryEndpoint() {
    List<DynamicTest> cells = new ArrayList<>();
    for (Endpoint endpoint : node.api().endpoints()) {
      for (Role role : Role.values()) {
        boolean allowed = endpoint.allows(role);
        cells.add(
            DynamicTest.dynamicTest(
                role.wireName() + (allowed ? " may " : " may not ") + "call " + endpoint.operationId(),
                () -> {
                  ApiClient.Reply reply = call(endpoint, tokenFor(role));
                  if (allowed) {
                    assertNotEquals(401, reply.status(), reply.toString());
                    assertNotEquals(403, reply.status(), reply.toString());
                    assertTrue(reply.status() < 500, reply.toString());
                  } else {
                    assertEquals(403, reply.status(), reply.toString());
                    assertEquals("role-not-allowed", reply.problemType(), reply.toString());
                    assertTrue(reply.header("Content-Type").orElse("").startsWith("application/problem+json"));
                  }
                }));
      }
    }
    return cells;
  }

  @TestFactory
  List<DynamicTest> everySecuredEndpointWantsAToken() {
    return node.api().endpoints().stream()
        .map(
            endpoint ->
                DynamicTest.dynamicTest(
                    endpoint.operationId() + (endpoint.isPublic() ? " is public" : " needs a token"),
                    () -> {
                      ApiClient.Reply reply = call(endpoint, null);
                      if (endpoint.isPublic()) {
                        // Served without a token; the witness's endpoints answer 404 on this node, which runs none.
                        assertEquals(endpoint.operationId().matches("addCheckpoint|getWitness") ? 404 : 200, reply.status(), reply.toString());
                      } else {
                        assertEquals(401, reply.status(), reply.toString());
                        assertEquals("unauthenticated", reply.problemType());
                        assertEquals("Bearer realm=\"medtrace\"", reply.header("WWW-Authenticate").orElse(""));
                      }
                    }))
        .toList();
  }

  @Test
  void refusedTokensAre401WithAnInvalidTokenChallenge() {
    Instant now = Instant.now();
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .issuer(HttpApiSettings.from(node.system().settings().config()).auth().issuer())
            .audience("medtrace-api")
            .subject("dr-late")
            .claim("org", "st-mary")
            .claim("role", "regulator")
            .expirationTime(Date.from(now.minusSeconds(3600)));
    String expired = node.tokens().issuer().sign(claims.build());
    String wrongAudience = node.tokens().issuer().sign(claims.expirationTime(Date.from(now.plusSeconds(600))).audience("other-api").build());

    for (String token : List.of(expired, wrongAudience, "garbage")) {
      ApiClient.Reply reply = node.client().get("/api/v1/alerts", token);
      assertEquals(401, reply.status(), reply.toString());
      assertTrue(reply.header("WWW-Authenticate").orElse("").startsWith("Bearer realm=\"medtrace\", error=\"invalid_token\""));
    }
  }

  @Test
  void unknownPathsAre404AndWrongMethods405() {
    ApiClient.Reply unknown = node.client().get("/api/v1/nothing-here", null);
    assertEquals(404, unknown.status());
    assertEquals("not-found", unknown.problemType());

    ApiClient.Reply wrongMethod = node.client().get("/api/v1/batches", node.tokens().token(Role.MANUFACTURER, "acme", "u"));
    assertEquals(405, wrongMethod.status());
    assertEquals("POST", wrongMethod.header("Allow").orElse(""));
  }

  /** A patient's token names the patient of the sample path, so that self-only rules apply. */
  private String tokenFor(Role role) {
    return role == Role.PATIENT ? node.tokens().patient(PATIENT) : node.tokens().token(role, "matrix-org", "user-" + role.wireName());
  }

  private ApiClient.Reply call(Endpoint endpoint, String token) {
    Matcher matcher = PARAMETER.matcher(endpoint.pathTemplate());
    StringBuilder path = new StringBuilder();
    while (matcher.find()) {
      matcher.appendReplacement(path, Matcher.quoteReplacement(SAMPLE_IDS.get(matcher.group(1))));
    }
    matcher.appendTail(path);
    if (endpoint.pathTemplate().contains("/patients/") && endpoint.method().equals("GET")) {
      path.append("?purpose=treatment");
    }
    return endpoint.method().equals("POST")
        ? node.client().post(path.toString(), token, "{}")
        : node.client().get(path.toString(), token);
  }
}
