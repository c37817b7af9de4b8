package org.medtrace.http.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Role;
import org.medtrace.http.HttpApiSettings;

/** The development token command: the token it prints is accepted by the node's verifier as the party asked for. */
class TokenCommandTest {

  @TempDir Path keys;

  private Config development() {
    return ConfigFactory.load()
        .withValue("medtrace.http.auth.development-issuer.enabled", ConfigValueFactory.fromAnyRef(true))
        .withValue("medtrace.http.auth.development-issuer.key-dir", ConfigValueFactory.fromAnyRef(keys.toString()));
  }

  @Test
  void printsATokenForTheRoleOrganisationAndUserAskedFor() throws Exception {
    Config config = development();
    String token = TokenCommand.run(config, List.of("--role", "device-engineer", "--org", "st-mary", "--user", "eng-7", "--lifetime", "PT1H"));

    Caller caller = new TokenVerifier(HttpApiSettings.from(config).auth()).verify(Optional.of("Bearer " + token));

    assertEquals(new ActingParty("st-mary", "eng-7", Role.DEVICE_ENGINEER), caller.party());
  }

  @Test
  void explainsWhatIsWrongWithItsArguments() {
    Config config = development();
    IllegalArgumentException noUser =
        assertThrows(IllegalArgumentException.class, () -> TokenCommand.run(config, List.of("--role", "clinician", "--org", "st-mary")));
    assertTrue(noUser.getMessage().startsWith("--user is required"), noUser.getMessage());
    IllegalArgumentException badRole =
        assertThrows(
            IllegalArgumentException.class,
            () -> TokenCommand.run(config, List.of("--role", "wizard", "--org", "o", "--user", "u")));
    assertTrue(badRole.getMessage().contains("'wizard' is not a role"), badRole.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> TokenCommand.run(ConfigFactory.load().withValue("medtrace.http.auth.jwks-file", ConfigValueFactory.fromAnyRef("/x")),
            List.of("--role", "clinician", "--org", "o", "--user", "u")));
  }
}
