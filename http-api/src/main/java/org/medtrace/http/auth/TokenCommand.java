package org.medtrace.http.auth;

import com.typesafe.config.Config;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.medtrace.actors.ledger.Role;
import org.medtrace.http.HttpApiSettings;

/**
 * {@code token --role ROLE --org ORGANISATION --user USER [--lifetime PT8H]}: mints a development
 * token with the node's development issuer (its key directory from the configuration), so that a
 * new user calls the API in one step. {@code bin/medtrace token ...} runs it with the development
 * configuration.
 */
public final class TokenCommand {

  public static final String USAGE =
      "usage: token --role <" + Arrays.stream(Role.values()).map(Role::wireName).collect(Collectors.joining("|"))
          + "> --org <organisation> --user <user; a patient's key for --role patient> [--lifetime <ISO-8601 duration, e.g. PT8H>]";

  private TokenCommand() {}

  /** The token for {@code args} (the words after {@code token}); an IllegalArgumentException says what is wrong. */
  public static String run(Config config, List<String> args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.size(); i += 2) {
      String name = args.get(i);
      if (!List.of("--role", "--org", "--user", "--lifetime").contains(name) || i + 1 >= args.size()) {
        throw new IllegalArgumentException("unexpected '" + name + "'\n" + USAGE);
      }
      options.put(name, args.get(i + 1));
    }
    for (String required : List.of("--role", "--org", "--user")) {
      if (!options.containsKey(required) || options.get(required).isBlank()) {
        throw new IllegalArgumentException(required + " is required\n" + USAGE);
      }
    }
    Role role =
        Role.fromWireName(options.get("--role"))
            .orElseThrow(() -> new IllegalArgumentException("'" + options.get("--role") + "' is not a role\n" + USAGE));
    HttpApiSettings.Auth auth = HttpApiSettings.from(config).auth();
    HttpApiSettings.DevelopmentIssuer dev =
        auth.developmentIssuer()
            .orElseThrow(() -> new IllegalArgumentException("the development issuer is off (medtrace.http.auth.development-issuer.enabled)"));
    Duration lifetime;
    try {
      lifetime = options.containsKey("--lifetime") ? Duration.parse(options.get("--lifetime")) : dev.tokenLifetime();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("--lifetime must be an ISO-8601 duration such as PT8H\n" + USAGE);
    }
    return DevTokenIssuer.loadOrCreate(auth).mint(role, options.get("--org"), options.get("--user"), lifetime);
  }
}
