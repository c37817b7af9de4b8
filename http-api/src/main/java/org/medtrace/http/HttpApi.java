package org.medtrace.http;

import com.datastax.oss.driver.api.core.DriverException;
import com.typesafe.config.ConfigValueFactory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.pattern.CircuitBreakerOpenException;
import org.medtrace.actors.batch.BatchRegistration;
import org.medtrace.actors.batch.UnitIndex;
import org.medtrace.actors.ledger.Role;
import org.medtrace.actors.ledger.SubmissionCertificates;
import org.medtrace.globallog.LogReader;
import org.medtrace.http.auth.AuthenticationException;
import org.medtrace.http.auth.Caller;
import org.medtrace.http.auth.DevTokenIssuer;
import org.medtrace.http.auth.TokenVerifier;
import org.medtrace.http.witness.CassandraWitnessStore;
import org.medtrace.http.witness.LedgerForkAlerts;
import org.medtrace.http.witness.LoggedForkAlarm;
import org.medtrace.http.witness.WitnessEndpoints;
import org.medtrace.http.witness.WitnessService;
import org.medtrace.http.witness.WitnessSettings;
import org.medtrace.identity.SignedRequest;
import org.medtrace.identity.TrustDirectory;
import org.medtrace.persistence.chain.TrustedKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API: JSON under {@code /api/v1}, built from one endpoint table ({@link #endpoints()}).
 * For every request it finds the endpoint (404, or 405 with {@code Allow}), authenticates the bearer
 * token (401), checks the endpoint's roles (403), reads the body within the size limit (413), checks
 * a signed submission's signature where there is one ({@link SignedSubmissions}; 401/403), runs
 * the handler and turns every failure into an RFC 9457 problem. An entity that does not answer in
 * time, or a journal that cannot be read or written, is a 503 with {@code Retry-After}: the outcome
 * is unknown, and it is never reported as a success.
 *
 * <p>The node builds it once ({@link #create}), binds {@link #route()} with {@link #bind}, and
 * passes its Prometheus registry so that {@code GET /metrics} shows the whole node.
 */
public final class HttpApi {

  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

  public static final String OPENAPI_RESOURCE = "medtrace/http/openapi.yaml";
  public static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
  static final int MAX_IDEMPOTENCY_KEY_LENGTH = 200;

  static final ContentType PROBLEM_JSON =
      ContentTypes.create(MediaTypes.applicationWithFixedCharset("problem+json", HttpCharsets.UTF_8));

  private final ActorSystem<?> system;
  private final HttpApiSettings settings;
  private final TokenVerifier verifier;
  private final ApiMetrics metrics;
  private final SignedSubmissions signedSubmissions;
  private final List<Endpoint> endpoints;

  private HttpApi(
      ActorSystem<?> system,
      HttpApiSettings settings,
      TokenVerifier verifier,
      ApiMetrics metrics,
      SignedSubmissions signedSubmissions,
      List<Endpoint> endpoints) {
    this.system = system;
    this.settings = settings;
    this.verifier = verifier;
    this.metrics = metrics;
    this.signedSubmissions = signedSubmissions;
    this.endpoints = List.copyOf(endpoints);
    checkUnique(this.endpoints);
  }

  /**
   * The API of a node whose entities are initialised (sharding for the three entity types) and whose
   * journal is the Cassandra plugin. In development mode it creates the development issuer's key
   * first (see {@link DevTokenIssuer}).
   *
   * @param trustedKeys the keys whose event signatures verification accepts
   * @param registry where the API registers its request metrics and whose content {@code /metrics} shows
   */
  public static HttpApi create(
      ActorSystem<?> system, HttpApiSettings settings, TrustedKeys trustedKeys, PrometheusRegistry registry) {
    return create(system, settings, trustedKeys, registry, Clock.systemUTC());
  }

  /**
   * As {@link #create(ActorSystem, HttpApiSettings, TrustedKeys, PrometheusRegistry)}, judging
   * expiry with {@code clock}: pass the entities' clock ({@code LedgerSettings.clock()}), so that the
   * API and the ledger agree on "now".
   */
  public static HttpApi create(
      ActorSystem<?> system, HttpApiSettings settings, TrustedKeys trustedKeys, PrometheusRegistry registry, Clock clock) {
    return create(system, settings, trustedKeys, registry, clock, Optional.empty());
  }

  /**
   * As {@link #create(ActorSystem, HttpApiSettings, TrustedKeys, PrometheusRegistry, Clock)}, with
   * EPCIS capture done by {@code epcisCapture} (without it, the capture endpoint answers 503).
   */
  public static HttpApi create(
      ActorSystem<?> system,
      HttpApiSettings settings,
      TrustedKeys trustedKeys,
      PrometheusRegistry registry,
      Clock clock,
      Optional<EpcisCaptureService> epcisCapture) {
    return create(system, settings, trustedKeys, registry, clock, epcisCapture, Optional.empty());
  }

  /**
   * As {@link #create(ActorSystem, HttpApiSettings, TrustedKeys, PrometheusRegistry, Clock,
   * Optional)}, with the global log's proofs, checkpoints and exports answered by {@code globalLog}
   * (without it, those endpoints answer 503).
   */
  public static HttpApi create(
      ActorSystem<?> system,
      HttpApiSettings settings,
      TrustedKeys trustedKeys,
      PrometheusRegistry registry,
      Clock clock,
      Optional<EpcisCaptureService> epcisCapture,
      Optional<LogReader> globalLog) {
    settings.auth().developmentIssuer().ifPresent(dev -> DevTokenIssuer.loadOrCreate(settings.auth()));
    TokenVerifier verifier = new TokenVerifier(settings.auth());
    ApiMetrics metrics = new ApiMetrics(registry);
    Ledger ledger = new Ledger(system, settings.askTimeout(), settings.ledgerBreaker());
    LedgerQueries queries = new LedgerQueries(system, trustedKeys, settings.queryTimeout(), settings.maxPageSize(), settings.alertQuery());
    UnitIndex unitIndex = UnitIndex.onCassandra(system);
    BatchEndpoints batches =
        new BatchEndpoints(
            ledger, queries, new BatchRegistration(ClusterSharding.get(system), unitIndex, settings.askTimeout()), clock);
    List<Endpoint> endpoints = new ArrayList<>();
    endpoints.addAll(batches.endpoints());
    endpoints.addAll(new UnitEndpoints(unitIndex, ledger, clock).endpoints());
    endpoints.addAll(new DeviceEndpoints(ledger, queries).endpoints());
    endpoints.addAll(new PatientEndpoints(ledger, queries).endpoints());
    endpoints.addAll(new EpcisEndpoints(epcisCapture).endpoints());
    WitnessSettings witnessSettings = WitnessSettings.from(system.settings().config());
    Optional<WitnessService> witness =
        witnessSettings
            .cosigner()
            .map(
                cosigner ->
                    new WitnessService(
                        cosigner,
                        witnessSettings.trustedLogs(),
                        CassandraWitnessStore.onCassandra(system),
                        new LoggedForkAlarm(registry),
                        new LedgerForkAlerts(ledger),
                        Clock.systemUTC(),
                        witnessSettings.storeTimeout()));
    witness.ifPresent(
        w -> {
          log.info(
              "Witness {}{} follows {} log origins; its key is {}",
              w.name(),
              witnessSettings.selfWitness() ? " (development self-witness, NOT independent)" : "",
              w.trustedOrigins().size(),
              w.verifierKey().vkey());
          sweepForkAlerts(system, w, witnessSettings.alertSweepInterval());
        });
    endpoints.addAll(
        new WitnessEndpoints(witness, witnessSettings.selfWitness(), AccessRules.ALERT_READERS, settings.maxPageSize()).endpoints());
    SignedSubmissions signedSubmissions =
        new SignedSubmissions(settings.signedSubmissions(), clock, SubmissionCertificates.onCassandra(system));
    endpoints.addAll(
        new LogEndpoints(globalLog, signedSubmissions.forExport(), system.dispatchers().lookup(DispatcherSelector.blocking())).endpoints());
    endpoints.add(
        Endpoint.secured(
            "GET",
            "/api/v1/alerts",
            "listAlerts",
            AccessRules.ALERT_READERS,
            call ->
                queries.alerts(
                    call.instantQuery("since").orElseGet(() -> Instant.now().minus(Duration.ofHours(24))),
                    call.intQuery("limit", Math.min(100, settings.maxPageSize()), 1, settings.maxPageSize()))));
    byte[] openApi = openApiDocument();
    endpoints.add(
        Endpoint.open(
            "GET", "/api/v1/openapi.yaml", "getOpenApiDocument", call -> done(ApiResponse.raw("application/yaml; charset=UTF-8", openApi))));
    endpoints.add(
        Endpoint.open("GET", "/metrics", "getMetrics", call -> done(ApiResponse.raw(ApiMetrics.contentType(), metrics.scrape()))));
    return new HttpApi(system, settings, verifier, metrics, signedSubmissions, endpoints);
  }

  /**
   * Every {@code interval}, records the alerts of all the fork evidence {@code witness} stored (see
   * {@link WitnessService#alertStoredForks}); a sweep that fails is logged and the next one tries
   * again. The first runs one interval after start, when sharding is up.
   */
  private static void sweepForkAlerts(ActorSystem<?> system, WitnessService witness, Duration interval) {
    system
        .scheduler()
        .scheduleWithFixedDelay(
            interval,
            interval,
            () ->
                witness
                    .alertStoredForks()
                    .whenComplete(
                        (swept, error) -> {
                          if (error != null) {
                            log.warn(
                                "Witness {}: the alerts of its stored forks could not all be recorded; the next sweep in {} retries: {}",
                                witness.name(), interval, error.toString());
                          }
                        }),
            system.executionContext());
  }

  /** The endpoint table: the routes, the authorisation matrix and what the OpenAPI document describes. */
  public List<Endpoint> endpoints() {
    return endpoints;
  }

  /** The OpenAPI document served at {@code /api/v1/openapi.yaml}. */
  public static byte[] openApiDocument() {
    try (InputStream in = HttpApi.class.getClassLoader().getResourceAsStream(OPENAPI_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the OpenAPI document " + OPENAPI_RESOURCE + " is not on the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Route route() {
    return Directives.extractRequest(request -> Directives.completeWithFuture(respond(request)));
  }

  /**
   * Binds {@code route} at the configured interface and port, with the configured request timeout
   * (the size limit is applied by the route itself). On coordinated shutdown the binding stops
   * accepting connections first and gives requests in flight up to the request timeout to finish,
   * before the node leaves the cluster.
   */
  public static CompletionStage<ServerBinding> bind(ActorSystem<?> system, HttpApiSettings settings, Route route) {
    ServerSettings server =
        ServerSettings.create(
            system.settings().config()
                .withValue("pekko.http.server.request-timeout", ConfigValueFactory.fromAnyRef(settings.requestTimeout().toMillis() + " ms")));
    return Http.get(system)
        .newServerAt(settings.interfaceName(), settings.port())
        .withSettings(server)
        .bind(route)
        .thenApply(binding -> binding.addToCoordinatedShutdown(settings.requestTimeout(), system))
        .whenComplete(
            (binding, error) -> {
              if (binding != null) {
                log.info("HTTP API listening on {}", binding.localAddress());
              }
            });
  }

  // ---- one request ----

  private CompletionStage<HttpResponse> respond(HttpRequest request) {
    long started = System.nanoTime();
    String instance = request.getUri().path();
    List<String> segments = new ArrayList<>();
    request.getUri().pathSegments().forEach(segments::add);
    Endpoint matched = null;
    Map<String, String> parameters = Map.of();
    Set<String> methods = new TreeSet<>();
    for (Endpoint endpoint : endpoints) {
      Optional<Map<String, String>> match = endpoint.match(segments);
      if (match.isPresent()) {
        methods.add(endpoint.method());
        if (endpoint.method().equals(request.method().name())) {
          matched = endpoint;
          parameters = match.get();
        }
      }
    }
    String operationId = matched == null ? ApiMetrics.UNMATCHED : matched.operationId();
    CompletionStage<HttpResponse> response;
    try {
      if (matched == null) {
        throw methods.isEmpty()
            ? new Problem(Problem.Type.NOT_FOUND, "no endpoint at " + instance + "; see /api/v1/openapi.yaml")
            : new Problem(
                Problem.Type.METHOD_NOT_ALLOWED,
                instance + " allows " + String.join(", ", methods) + ", not " + request.method().name(),
                Map.of("allow", List.copyOf(methods)));
      }
      response = handle(matched, parameters, request, instance);
    } catch (RuntimeException e) {
      response = CompletableFuture.completedFuture(failure(e, instance));
    }
    return response.thenApply(
        r -> {
          metrics.record(operationId, r.status().intValue(), started);
          return r;
        });
  }

  private CompletionStage<HttpResponse> handle(
      Endpoint endpoint, Map<String, String> parameters, HttpRequest request, String instance) {
    Optional<Caller> caller = Optional.empty();
    if (!endpoint.isPublic()) {
      Optional<String> authorization = request.getHeader("Authorization").map(HttpHeader::value);
      try {
        caller = Optional.of(verifier.verify(authorization));
      } catch (AuthenticationException e) {
        return CompletableFuture.completedFuture(unauthenticated(e.getMessage(), authorization.isPresent(), instance));
      }
      Role role = caller.get().role();
      if (!endpoint.allows(role)) {
        throw new Problem(
            Problem.Type.ROLE_NOT_ALLOWED,
            "a " + role.wireName() + " may not call " + endpoint.operationId() + " (" + endpoint.method() + " " + endpoint.pathTemplate() + ")",
            Map.of("allowedRoles", endpoint.roles().stream().map(Role::wireName).sorted().toList()));
      }
    }
    Optional<String> idempotencyKey = request.getHeader(IDEMPOTENCY_KEY_HEADER).map(HttpHeader::value);
    if (idempotencyKey.isPresent()
        && (idempotencyKey.get().isBlank() || idempotencyKey.get().length() > MAX_IDEMPOTENCY_KEY_LENGTH)) {
      throw Problem.invalidField(
          IDEMPOTENCY_KEY_HEADER, "the Idempotency-Key header must have 1-" + MAX_IDEMPOTENCY_KEY_LENGTH + " characters");
    }
    Map<String, String> query;
    try {
      query = request.getUri().query().toMap();
    } catch (RuntimeException e) {
      throw new Problem(Problem.Type.MALFORMED_REQUEST, "the query string cannot be parsed: " + e.getMessage());
    }
    Optional<Caller> authenticated = caller;
    if (request.entity().getContentLengthOption().orElse(0L) > settings.maxRequestBytes()) {
      throw tooLarge();
    }
    return request
        .entity()
        .toStrict(settings.requestTimeout().toMillis(), settings.maxRequestBytes(), system)
        .thenCompose(
            strict -> {
              byte[] body = strict.getData().toArray();
              if (body.length > 0 && !strict.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
                throw new Problem(
                    Problem.Type.UNSUPPORTED_MEDIA_TYPE,
                    "the request body must be application/json, was " + strict.getContentType());
              }
              // After the body is read, because the signature covers its bytes; before the handler, so
              // that a refused signature stores nothing.
              CompletionStage<Optional<Caller>> signer =
                  authenticated
                      .map(
                          c ->
                              signedSubmissions
                                  .check(
                                      c, request.method().name(), requestTarget(request), body, idempotencyKey,
                                      name -> request.getHeader(name).map(HttpHeader::value))
                                  .thenApply(Optional::of))
                      .orElseGet(() -> CompletableFuture.completedFuture(Optional.empty()));
              return signer.thenCompose(
                  checkedCaller -> endpoint.handler().handle(new Call(checkedCaller, parameters, query, body, idempotencyKey, instance)));
            })
        .handle(
            (response, error) -> error == null ? success(response) : failure(error, instance));
  }

  /** The request target a signed submission covers, in canonical form ({@link SignedRequest#canonicalTarget}). */
  private static String requestTarget(HttpRequest request) {
    List<String> segments = new ArrayList<>();
    request.getUri().pathSegments().forEach(segments::add);
    return SignedRequest.canonicalTarget(segments, request.getUri().rawQueryString());
  }

  private static HttpResponse success(ApiResponse response) {
    HttpResponse http = HttpResponse.create().withStatus(response.status()).addHeaders(response.headers());
    if (response.raw() != null) {
      return http.withEntity(ContentTypes.parse(response.raw().contentType()), response.raw().bytes());
    }
    return http.withEntity(ContentTypes.APPLICATION_JSON, Json.write(response.body()));
  }

  private HttpResponse unauthenticated(String detail, boolean tokenGiven, String instance) {
    // RFC 6750: no error code when no token was given, invalid_token when one was refused.
    String challenge =
        tokenGiven
            ? "Bearer realm=\"medtrace\", error=\"invalid_token\", error_description=\"" + detail.replace("\"", "'") + "\""
            : "Bearer realm=\"medtrace\"";
    return problemResponse(new Problem(Problem.Type.UNAUTHENTICATED, detail), instance)
        .addHeader(RawHeader.create("WWW-Authenticate", challenge));
  }

  private HttpResponse failure(Throwable error, String instance) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof Problem problem) {
      HttpResponse response = problemResponse(problem, instance);
      if (problem.type().status() == 401) {
        // RFC 9110: a 401 names the scheme to authenticate with; here, the signed-submission headers.
        response = response.addHeader(RawHeader.create("WWW-Authenticate", "Medtrace-Signature realm=\"medtrace\""));
      }
      if (problem.type() == Problem.Type.CHECKPOINT_NOT_WITNESSED) {
        // The witnesses may answer for the next checkpoint; asking again before then meets the same answer.
        response = response.addHeader(RawHeader.create("Retry-After", Long.toString(Math.max(1, settings.retryAfter().toSeconds()))));
      }
      if (problem.type() == Problem.Type.METHOD_NOT_ALLOWED) {
        @SuppressWarnings("unchecked")
        List<String> allow = (List<String>) problem.extensions().get("allow");
        response = response.addHeader(RawHeader.create("Allow", String.join(", ", allow)));
      }
      return response;
    }
    if (cause instanceof EntityStreamSizeException) {
      return problemResponse(tooLarge(), instance);
    }
    if (cause instanceof CircuitBreakerOpenException open) {
      // Nothing was sent: the write is certainly not stored, and retrying before the breaker lets
      // an ask through again only meets the same answer.
      long seconds = Math.max(1, (open.remainingDuration().toMillis() + 999) / 1000);
      return problemResponse(
              new Problem(
                  Problem.Type.UNAVAILABLE,
                  "the ledger has not answered this node's last requests; nothing was sent or stored: retry after "
                      + seconds + " s"),
              instance)
          .addHeader(RawHeader.create("Retry-After", Long.toString(seconds)));
    }
    if (cause instanceof TrustDirectory.Unavailable unavailable) {
      // Fail closed, for signed writes and for exports alike: running on with an old CRL could
      // accept, or vouch for, a certificate revoked since.
      log.error("{}: the network CA's trust directory cannot be read: {}", instance, unavailable.getMessage());
      return unavailable(
          "this node cannot read the network CA's trust directory right now; nothing was stored: retry later", instance);
    }
    if (cause instanceof SubmissionCertificates.Unavailable unavailable) {
      // An export without the certificates of its signed events would not verify with --ca: none
      // rather than an incomplete one.
      log.error("{}: the store of signing certificates cannot be read: {}", instance, unavailable.getMessage());
      return unavailable("this node cannot read its store of signing certificates right now: retry later", instance);
    }
    if (cause instanceof TimeoutException || cause instanceof DriverException) {
      // The entity or the journal did not answer in time: the write may or may not be stored, so
      // the client retries (with the same Idempotency-Key) rather than assume either.
      log.warn("{}: the ledger did not answer: {}", instance, cause.toString());
      return unavailable(
          "the ledger did not answer in time ("
              + cause.getClass().getSimpleName()
              + "); the outcome is unknown: retry, with the same Idempotency-Key for a write",
          instance);
    }
    log.error("{}: unexpected failure", instance, cause);
    return problemResponse(new Problem(Problem.Type.INTERNAL_ERROR, "an unexpected error occurred; it is logged"), instance);
  }

  /** A 503 that is worth retrying after the configured time. */
  private HttpResponse unavailable(String detail, String instance) {
    return problemResponse(new Problem(Problem.Type.UNAVAILABLE, detail), instance)
        .addHeader(RawHeader.create("Retry-After", Long.toString(Math.max(1, settings.retryAfter().toSeconds()))));
  }

  private Problem tooLarge() {
    return new Problem(Problem.Type.REQUEST_TOO_LARGE, "the request body is larger than " + settings.maxRequestBytes() + " bytes");
  }

  private static HttpResponse problemResponse(Problem problem, String instance) {
    return HttpResponse.create()
        .withStatus(problem.type().status())
        .withEntity(PROBLEM_JSON, Json.write(problem.document(instance)));
  }

  private static CompletionStage<ApiResponse> done(ApiResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  private static void checkUnique(List<Endpoint> endpoints) {
    Set<String> routes = new HashSet<>();
    Set<String> operations = new LinkedHashSet<>();
    for (Endpoint endpoint : endpoints) {
      String route = endpoint.method() + " " + endpoint.pathTemplate().replaceAll("\\{[^}]+}", "{}");
      if (!routes.add(route) || !operations.add(endpoint.operationId())) {
        throw new IllegalStateException("two endpoints for " + route + " or operation " + endpoint.operationId());
      }
    }
  }

  @Override
  public String toString() {
    return "HttpApi(" + endpoints.stream().map(Endpoint::operationId).collect(Collectors.joining(", ")) + ")";
  }
}
