package org.medtrace.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.kafka.listener.GenericKafkaListener;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.nodepool.ProcessRoles;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What must hold for every rendering of the manifests, base and overlays alike: the node's
 * Deployment, its RBAC, budget, services and configuration agree with each other and with the
 * node's own HOCON; Cassandra and Kafka have three replicas of everything the ledger stores; and
 * every reference (ConfigMap, Secret, selector, port name, service name) points at something
 * that exists. A subclass names the kustomization and adds what only it must hold.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ManifestInvariants {

  static final String NODE = "medtrace";
  static final String NODE_CONTAINER = "medtrace";
  static final String NODE_KEYS_SECRET = "medtrace-node-keys";
  static final String KAFKA = "medtrace-kafka";
  static final String CASSANDRA = "medtrace-cassandra";
  static final String SCHEMA_JOB = "medtrace-cassandra-schema";
  /** The file in the node's configuration ConfigMap that {@code -Dconfig.file} names. */
  static final String NODE_CONFIG_FILE = "kubernetes.conf";

  static final Map<String, Integer> NODE_PORTS = Map.of("remoting", 25520, "management", 8558, "http", 8080);

  static final Set<String> TOPICS = Set.of(
      "medtrace.lab-results", "medtrace.lab-results.dlq",
      "medtrace.sensor-readings", "medtrace.sensor-readings.dlq",
      "medtrace.epcis-events", "medtrace.epcis-events.dlq",
      "medtrace.alerts");

  /**
   * Secrets the manifests use but do not create: the operator creates them (README, "The
   * Secrets") or K8ssandra does. Their content is never committed.
   */
  static final Set<String> EXTERNAL_SECRETS = Set.of(NODE_KEYS_SECRET, "medtrace-cassandra-superuser");

  /** The network CA's public files: ca.pem, crl.pem and network-policy.txt (README, "The trust ConfigMaps"). */
  static final String TRUST_CONFIG_MAP = "medtrace-trust";
  /** Every certificate the nodes know, one key per file (a ConfigMap's keys cannot name certs/). */
  static final String TRUST_CERTS_CONFIG_MAP = "medtrace-trust-certs";

  /** ConfigMaps the manifests use but do not render: the operator creates them from the network CA's directory. */
  static final Set<String> EXTERNAL_CONFIG_MAPS = Set.of(TRUST_CONFIG_MAP, TRUST_CERTS_CONFIG_MAP);

  /**
   * The node's settings that read the trust, by the file (relative to the repository) whose {@code
   * reference.conf} defines them: signed submissions over HTTP (and exports' certificates), signed
   * Kafka records.
   */
  static final Map<String, String> TRUST_SETTINGS = Map.of(
      "medtrace.http.signed-submissions", "http-api/src/main/resources/reference.conf",
      "medtrace.ingest.signed-records", "ingest-streams/src/main/resources/reference.conf");

  RenderedManifests manifests;
  Deployment node;
  PodSpec nodePod;
  Container nodeContainer;
  /** The node container's environment as the pod sees it: ConfigMap entries, then its own env. */
  Map<String, String> nodeEnv;

  /** The kustomization under test, relative to the k8s folder. */
  abstract String kustomization();

  @BeforeAll
  void render() {
    manifests = Kustomize.render(kustomization());
    node = manifests.one("Deployment", NODE, Deployment.class);
    nodePod = node.getSpec().getTemplate().getSpec();
    nodeContainer = container(nodePod, NODE_CONTAINER, "Deployment " + NODE);
    nodeEnv = environment(nodeContainer);
  }

  // ---- The node's Deployment ----

  @Test
  void runsThreeNodes() {
    assertEquals(3, node.getSpec().getReplicas(), "Deployment medtrace spec.replicas");
  }

  @Test
  void rollingUpdateStartsANewNodeBeforeStoppingAnOldOne() {
    var rolling = node.getSpec().getStrategy().getRollingUpdate();
    assertEquals("RollingUpdate", node.getSpec().getStrategy().getType(), "Deployment medtrace spec.strategy.type");
    assertEquals(0, rolling.getMaxUnavailable().getIntVal(), "Deployment medtrace spec.strategy.rollingUpdate.maxUnavailable");
    assertEquals(1, rolling.getMaxSurge().getIntVal(), "Deployment medtrace spec.strategy.rollingUpdate.maxSurge");
  }

  @Test
  void namesTheRemotingManagementAndHttpPorts() {
    Map<String, Integer> ports = nodeContainer.getPorts().stream()
        .collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
    assertEquals(NODE_PORTS, ports, "Deployment medtrace container medtrace ports (name -> containerPort)");
    // The node listens where the manifests say it does.
    assertEquals("25520", nodeEnv.get("MEDTRACE_REMOTE_PORT"), "node env MEDTRACE_REMOTE_PORT vs port 'remoting'");
    assertEquals("8080", nodeEnv.get("MEDTRACE_HTTP_PORT"), "node env MEDTRACE_HTTP_PORT vs port 'http'");
    assertEquals("8558", nodeEnv.get("MEDTRACE_MANAGEMENT_PORT"), "node env MEDTRACE_MANAGEMENT_PORT vs port 'management'");
  }

  @Test
  void probesReadinessAndLivenessOnTheManagementPort() {
    assertHttpProbe(nodeContainer.getReadinessProbe(), "readinessProbe", "/ready");
    assertHttpProbe(nodeContainer.getLivenessProbe(), "livenessProbe", "/alive");
    assertHttpProbe(nodeContainer.getStartupProbe(), "startupProbe", "/alive");
  }

  private static void assertHttpProbe(Probe probe, String which, String path) {
    String field = "Deployment medtrace container medtrace " + which;
    assertNotNull(probe, field);
    assertNotNull(probe.getHttpGet(), field + ".httpGet");
    assertEquals(path, probe.getHttpGet().getPath(), field + ".httpGet.path");
    assertEquals("management", probe.getHttpGet().getPort().getStrVal(), field + ".httpGet.port (by name)");
  }

  @Test
  void givesCoordinatedShutdownTimeToFinish() {
    // Unbinding HTTP, draining Kafka, handing shards over and leaving take up to ~40 s together;
    // Kubernetes' default of 30 s would kill the JVM in the middle.
    Long grace = nodePod.getTerminationGracePeriodSeconds();
    assertNotNull(grace, "Deployment medtrace spec.template.spec.terminationGracePeriodSeconds");
    assertTrue(grace >= 60, "Deployment medtrace terminationGracePeriodSeconds must be >= 60, is " + grace);
  }

  @Test
  void requiresOneNodePerKubernetesNode() {
    List<PodAffinityTerm> required =
        nodePod.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
    assertTrue(
        required.stream().anyMatch(term -> "kubernetes.io/hostname".equals(term.getTopologyKey())
            && selects(term.getLabelSelector(), podLabels(node.getSpec().getTemplate()))),
        "Deployment medtrace podAntiAffinity.requiredDuringScheduling... needs a term on kubernetes.io/hostname"
            + " that selects the medtrace pods; terms: " + required);
  }

  // ---- RBAC for Kubernetes API discovery ----

  @Test
  void nodeServiceAccountMayListPods() {
    String account = nodePod.getServiceAccountName();
    assertNotNull(account, "Deployment medtrace spec.template.spec.serviceAccountName");
    manifests.one("ServiceAccount", account, ServiceAccount.class);
    String namespace = node.getMetadata().getNamespace();
    List<String> grantingRoles = new ArrayList<>();
    for (RoleBinding binding : manifests.all("RoleBinding", RoleBinding.class)) {
      boolean bindsAccount = binding.getSubjects().stream().anyMatch(subject -> isServiceAccount(subject, account, namespace));
      if (bindsAccount && "Role".equals(binding.getRoleRef().getKind())) {
        Role role = manifests.one("Role", binding.getRoleRef().getName(), Role.class);
        if (role.getRules().stream().anyMatch(ManifestInvariants::allowsReadingPods)) {
          grantingRoles.add(role.getMetadata().getName());
        }
      }
    }
    assertFalse(grantingRoles.isEmpty(),
        "no RoleBinding binds ServiceAccount " + account + " to a Role with get, watch and list on pods");
  }

  private static boolean isServiceAccount(Subject subject, String account, String namespace) {
    return "ServiceAccount".equals(subject.getKind())
        && account.equals(subject.getName())
        && Objects.equals(namespace, subject.getNamespace());
  }

  private static boolean allowsReadingPods(PolicyRule rule) {
    return rule.getApiGroups().contains("")
        && rule.getResources().contains("pods")
        && rule.getVerbs().containsAll(List.of("get", "watch", "list"));
  }

  // ---- Disruption budget and services ----

  @Test
  void disruptionBudgetKeepsAMajorityOfTheNodes() {
    List<PodDisruptionBudget> budgets = manifests.all("PodDisruptionBudget", PodDisruptionBudget.class).stream()
        .filter(budget -> selects(budget.getSpec().getSelector(), podLabels(node.getSpec().getTemplate())))
        .toList();
    assertEquals(1, budgets.size(), "PodDisruptionBudgets selecting the medtrace pods: " + budgets);
    var spec = budgets.get(0).getSpec();
    int replicas = node.getSpec().getReplicas();
    int leftDuringDisruption = spec.getMaxUnavailable() != null
        ? replicas - spec.getMaxUnavailable().getIntVal()
        : spec.getMinAvailable().getIntVal();
    assertTrue(leftDuringDisruption > replicas / 2,
        "PodDisruptionBudget " + budgets.get(0).getMetadata().getName() + " leaves " + leftDuringDisruption + " of "
            + replicas + " nodes, not a majority for keep-majority");
    assertNotNull(spec.getMaxUnavailable(),
        "PodDisruptionBudget spec.maxUnavailable: minAvailable stops being a majority when the Deployment grows");
    assertEquals(1, spec.getMaxUnavailable().getIntVal(), "PodDisruptionBudget spec.maxUnavailable");
  }

  @Test
  void everyServiceSelectsPodsThatExistAndTheirNamedPorts() {
    List<Service> services = manifests.all("Service", Service.class);
    assertEquals(Set.of("medtrace-http", "medtrace-management"),
        services.stream().map(s -> s.getMetadata().getName()).collect(Collectors.toSet()), "rendered Services");
    for (Service service : services) {
      String name = service.getMetadata().getName();
      List<PodTemplateSpec> selected = podTemplates().values().stream()
          .filter(template -> selects(service.getSpec().getSelector(), podLabels(template)))
          .toList();
      assertFalse(selected.isEmpty(), "Service " + name + " spec.selector " + service.getSpec().getSelector()
          + " selects no rendered pod template");
      for (ServicePort port : service.getSpec().getPorts()) {
        String target = port.getTargetPort().getStrVal();
        for (PodTemplateSpec template : selected) {
          assertTrue(template.getSpec().getContainers().stream()
                  .flatMap(c -> c.getPorts().stream())
                  .anyMatch(p -> target.equals(p.getName())),
              "Service " + name + " port " + port.getName() + " targets '" + target + "', which a selected pod does not name");
        }
      }
    }
    Service management = manifests.one("Service", "medtrace-management", Service.class);
    assertEquals("None", management.getSpec().getClusterIP(), "Service medtrace-management spec.clusterIP (headless)");
    assertEquals(Boolean.TRUE, management.getSpec().getPublishNotReadyAddresses(),
        "Service medtrace-management spec.publishNotReadyAddresses: management must answer before the node is ready");
  }

  @Test
  void selectorsOfWorkloadsMatchTheirOwnPods() {
    assertTrue(selects(node.getSpec().getSelector(), podLabels(node.getSpec().getTemplate())),
        "Deployment medtrace spec.selector must match spec.template.metadata.labels");
  }

  @Test
  void onlyNodePodsCarryTheDiscoveryLabel() {
    // Cluster Bootstrap takes every pod labelled app=medtrace for a node.
    podTemplates().forEach((workload, template) -> {
      if (!workload.equals("Deployment/" + NODE)) {
        assertFalse("medtrace".equals(podLabels(template).get("app")), workload + " pods must not carry app=medtrace");
      }
    });
    assertEquals("medtrace", podLabels(node.getSpec().getTemplate()).get("app"), "Deployment medtrace pod label app");
  }

  // ---- Resources ----

  @Test
  void everyContainerHasCpuAndMemoryRequestsAndLimits() {
    podTemplates().forEach((workload, template) ->
        Stream.concat(template.getSpec().getContainers().stream(),
                Stream.ofNullable(template.getSpec().getInitContainers()).flatMap(List::stream))
            .forEach(container -> {
              String field = workload + " container " + container.getName() + " resources";
              ResourceRequirements resources = container.getResources();
              assertNotNull(resources, field);
              for (String resource : List.of("cpu", "memory")) {
                assertNotNull(resources.getRequests().get(resource), field + ".requests." + resource);
                assertNotNull(resources.getLimits().get(resource), field + ".limits." + resource);
                assertTrue(amount(resources.getLimits().get(resource)).compareTo(amount(resources.getRequests().get(resource))) >= 0,
                    field + ".limits." + resource + " below its request");
              }
            }));
  }

  @Test
  void operatorManagedPodsHaveMemoryRequestsAndLimits() {
    Map<String, Object> dc = cassandraDatacenter();
    assertMemoryBounded(dc.get("resources"), "K8ssandraCluster " + CASSANDRA + " datacenter dc1 resources");
    for (KafkaNodePool pool : kafkaNodePools()) {
      var resources = pool.getSpec().getResources();
      String field = "KafkaNodePool " + pool.getMetadata().getName() + " spec.resources";
      assertNotNull(resources, field);
      assertNotNull(resources.getRequests().get("memory"), field + ".requests.memory");
      assertNotNull(resources.getLimits().get("memory"), field + ".limits.memory");
    }
  }

  @SuppressWarnings("unchecked")
  private static void assertMemoryBounded(Object resources, String field) {
    assertTrue(resources instanceof Map, field);
    Map<String, Object> map = (Map<String, Object>) resources;
    assertNotNull(((Map<String, Object>) map.get("requests")).get("memory"), field + ".requests.memory");
    assertNotNull(((Map<String, Object>) map.get("limits")).get("memory"), field + ".limits.memory");
  }

  // ---- Configuration and keys ----

  @Test
  void configurationComesFromConfigMapsAndKeysFromTheSecret() {
    assertFalse(nodeContainer.getEnvFrom().isEmpty(), "Deployment medtrace container medtrace envFrom");
    for (EnvFromSource source : nodeContainer.getEnvFrom()) {
      assertNotNull(source.getConfigMapRef(), "Deployment medtrace envFrom entries come from ConfigMaps: " + source);
    }
    for (String variable : List.of(
        "MEDTRACE_CASSANDRA_CONTACT_POINTS", "MEDTRACE_CASSANDRA_DATACENTER", "MEDTRACE_CASSANDRA_CONSISTENCY",
        "MEDTRACE_REPLICATION_FACTOR", "MEDTRACE_KAFKA_BOOTSTRAP_SERVERS", "MEDTRACE_SIGNING_KEY_FILE",
        "MEDTRACE_LOG_NAME", "MEDTRACE_LOG_KEY_FILE", "MEDTRACE_LOG_PUBLIC_KEY_FILE",
        "MEDTRACE_AUTH_ISSUER", "MEDTRACE_AUTH_AUDIENCE", "MEDTRACE_AUTH_JWKS_URL", "JAVA_TOOL_OPTIONS")) {
      assertTrue(nodeEnv.containsKey(variable), "node environment lacks " + variable);
    }
    assertEquals("status.podIP", valueFrom(nodeContainer, "MEDTRACE_HOST").getFieldRef().getFieldPath(),
        "Deployment medtrace env MEDTRACE_HOST");
    var keyId = valueFrom(nodeContainer, "MEDTRACE_SIGNING_KEY_ID").getSecretKeyRef();
    assertEquals(NODE_KEYS_SECRET, keyId.getName(), "Deployment medtrace env MEDTRACE_SIGNING_KEY_ID secretKeyRef.name");

    // The key files are where the variables say, in the Secret's volume.
    String keysDir = mountPathOfSecret(nodePod, nodeContainer, NODE_KEYS_SECRET);
    assertEquals(keysDir + "/signing-key.pem", nodeEnv.get("MEDTRACE_SIGNING_KEY_FILE"), "MEDTRACE_SIGNING_KEY_FILE");
    assertEquals("file:" + keysDir + "/jwks.json", nodeEnv.get("MEDTRACE_AUTH_JWKS_URL"), "MEDTRACE_AUTH_JWKS_URL");
    // Without its key the verifiable log publishes no checkpoints.
    assertEquals(keysDir + "/log-key.pem", nodeEnv.get("MEDTRACE_LOG_KEY_FILE"), "MEDTRACE_LOG_KEY_FILE");
    assertEquals(keysDir + "/log-key.pub.pem", nodeEnv.get("MEDTRACE_LOG_PUBLIC_KEY_FILE"), "MEDTRACE_LOG_PUBLIC_KEY_FILE");
  }

  @Test
  void everyConfigMapAPodUsesIsRenderedOrDocumentedForTheOperator() throws IOException {
    String readme = Files.readString(Kustomize.K8S_DIR.resolve("README.md"));
    podTemplates().forEach((workload, template) -> referencedConfigMaps(template).forEach(name -> {
      if (manifests.find("ConfigMap", name, ConfigMap.class).isEmpty()) {
        assertTrue(EXTERNAL_CONFIG_MAPS.contains(name),
            workload + " uses ConfigMap " + name + ", neither rendered nor known; ConfigMaps: " + manifests.namesOf("ConfigMap"));
        assertTrue(readme.contains(name), workload + " uses ConfigMap " + name + ", which k8s/README.md does not explain");
      }
    }));
  }

  /**
   * The trust directory and the certificates' folder the node reads (its own settings, resolved
   * with the pod's environment) are where the two trust ConfigMaps are mounted, as whole volumes
   * that kubelet keeps up to date; the trust directory's ConfigMap is required (the node does not
   * start without ca.pem and crl.pem), the certificates' optional (an empty folder is valid).
   */
  @Test
  void theNodeReadsItsTrustFromTheMountedTrustConfigMaps() throws IOException {
    Map<String, String> mounts = Map.of(
        "trust-dir", mountPathOfConfigMap(nodePod, nodeContainer, TRUST_CONFIG_MAP),
        "trust-certs-dir", mountPathOfConfigMap(nodePod, nodeContainer, TRUST_CERTS_CONFIG_MAP));
    for (var setting : TRUST_SETTINGS.entrySet()) {
      Path file = Kustomize.K8S_DIR.resolve("..").resolve(setting.getValue()).normalize();
      Config resolved = ConfigFactory.parseFile(file.toFile())
          .withFallback(ConfigFactory.parseMap(nodeEnv))
          .resolve(ConfigResolveOptions.noSystem().setAllowUnresolved(true));
      mounts.forEach((key, mountPath) -> assertEquals(mountPath, resolved.getString(setting.getKey() + "." + key),
          setting.getKey() + "." + key + " (" + file.getFileName() + " with the node's environment) vs the mount of its ConfigMap"));
    }

    String trust = mounts.get("trust-dir");
    String certificates = mounts.get("trust-certs-dir");
    assertFalse(certificates.startsWith(trust + "/") || trust.startsWith(certificates + "/"),
        "the trust directory " + trust + " and the certificates' folder " + certificates + " must not nest");
    for (String configMap : EXTERNAL_CONFIG_MAPS) {
      Volume volume = volumeOfConfigMap(nodePod, configMap);
      assertTrue(volume.getConfigMap().getItems() == null || volume.getConfigMap().getItems().isEmpty(),
          "volume " + volume.getName() + " of ConfigMap " + configMap + " must project every key (no items): each is a file the node reads");
      nodeContainer.getVolumeMounts().stream().filter(mount -> volume.getName().equals(mount.getName())).forEach(mount ->
          assertTrue(mount.getSubPath() == null || mount.getSubPath().isEmpty(),
              "mount of ConfigMap " + configMap + " uses subPath, which kubelet never updates: a new CRL would need a restart"));
    }
    assertFalse(Boolean.TRUE.equals(volumeOfConfigMap(nodePod, TRUST_CONFIG_MAP).getConfigMap().getOptional()),
        "ConfigMap " + TRUST_CONFIG_MAP + " must not be optional: an empty trust directory stops the node at start-up");
    assertEquals(Boolean.TRUE, volumeOfConfigMap(nodePod, TRUST_CERTS_CONFIG_MAP).getConfigMap().getOptional(),
        "ConfigMap " + TRUST_CERTS_CONFIG_MAP + " optional: a node with no certificates yet starts with an empty folder");
  }

  @Test
  void everySecretAPodUsesIsDocumentedForTheOperator() throws IOException {
    String readme = Files.readString(Kustomize.K8S_DIR.resolve("README.md"));
    podTemplates().forEach((workload, template) -> referencedSecrets(template).forEach(name -> {
      if (manifests.find("Secret", name, GenericKubernetesResource.class).isEmpty()) {
        assertTrue(EXTERNAL_SECRETS.contains(name), workload + " uses Secret " + name + ", neither rendered nor known");
        assertTrue(readme.contains(name), workload + " uses Secret " + name + ", which k8s/README.md does not explain");
      }
    }));
  }

  /**
   * The node's Kubernetes HOCON (from its ConfigMap, resolved against the container's environment)
   * agrees with the Deployment: management port and health paths, the discovery selector and port
   * name, a majority of contact points, and every required substitution is a variable the pod sets.
   */
  @Test
  void nodeConfigurationAgreesWithTheManifests() {
    String configFile = systemProperty(nodeEnv.get("JAVA_TOOL_OPTIONS"), "config.file");
    String confDir = configFile.substring(0, configFile.lastIndexOf('/'));
    String confMapName = volumeMountedAt(nodePod, nodeContainer, confDir).getConfigMap().getName();
    String text = manifests.one("ConfigMap", confMapName, ConfigMap.class).getData().get(NODE_CONFIG_FILE);
    assertNotNull(text, "ConfigMap " + confMapName + " has no " + NODE_CONFIG_FILE + ", which -Dconfig.file names");
    assertEquals(confDir + "/" + NODE_CONFIG_FILE, configFile, "-Dconfig.file in JAVA_TOOL_OPTIONS");

    // Includes: the node's own application.conf first, then only files inside mounted volumes.
    List<String> includes = text.lines().map(String::strip).filter(line -> line.startsWith("include ")).toList();
    assertEquals("include classpath(\"application.conf\")", includes.get(0), NODE_CONFIG_FILE + " must include application.conf first");
    for (String include : includes.subList(1, includes.size())) {
      Matcher file = Pattern.compile("file\\(\"([^\"]+)\"\\)").matcher(include);
      assertTrue(file.find(), "unexpected include in " + NODE_CONFIG_FILE + ": " + include);
      String path = file.group(1);
      assertTrue(nodeContainer.getVolumeMounts().stream().anyMatch(mount -> path.startsWith(mount.getMountPath() + "/")),
          NODE_CONFIG_FILE + " includes " + path + ", which is in no volume of the container");
    }

    Map<String, String> podEnvironment = new HashMap<>(nodeEnv);
    Config config;
    try {
      String withoutIncludes = text.lines().filter(line -> !line.strip().startsWith("include ")).collect(Collectors.joining("\n"));
      // The environment as root keys, the way ${VAR} finds environment variables when the node
      // loads its configuration; nothing from this JVM's own environment.
      config = ConfigFactory.parseString(withoutIncludes)
          .withFallback(ConfigFactory.parseMap(podEnvironment))
          .resolve(ConfigResolveOptions.noSystem());
    } catch (ConfigException e) {
      throw new AssertionError(NODE_CONFIG_FILE + " does not resolve with the container's environment: " + e.getMessage(), e);
    }

    assertEquals("cluster-bootstrap", config.getString("medtrace.cluster.formation"), "medtrace.cluster.formation");
    assertEquals(NODE_PORTS.get("management"), config.getInt("pekko.management.http.port"), "pekko.management.http.port");
    assertEquals(nodeContainer.getReadinessProbe().getHttpGet().getPath(),
        "/" + config.getString("pekko.management.health-checks.readiness-path"), "readiness-path vs readinessProbe");
    assertEquals(nodeContainer.getLivenessProbe().getHttpGet().getPath(),
        "/" + config.getString("pekko.management.health-checks.liveness-path"), "liveness-path vs livenessProbe");

    Config discovery = config.getConfig("pekko.management.cluster.bootstrap.contact-point-discovery");
    assertEquals("kubernetes-api", discovery.getString("discovery-method"), "contact-point-discovery.discovery-method");
    assertEquals("management", discovery.getString("port-name"),
        "contact-point-discovery.port-name: discovery returns this named container port of each pod");
    String selector = String.format(config.getString("pekko.discovery.kubernetes-api.pod-label-selector"),
        discovery.getString("service-name"));
    assertEquals("app=" + podLabels(node.getSpec().getTemplate()).get("app"), selector,
        "pekko.discovery.kubernetes-api.pod-label-selector with service-name must select the medtrace pods");
    int replicas = node.getSpec().getReplicas();
    assertEquals(replicas / 2 + 1, discovery.getInt("required-contact-point-nr"),
        "required-contact-point-nr must be a majority of the " + replicas + " replicas");
  }

  // ---- Cassandra ----

  @Test
  void cassandraIsOneDataCentreOfThreeThatTheNodeWritesToAtQuorumWithThreeReplicas() {
    GenericKubernetesResource cluster = manifests.one("K8ssandraCluster", CASSANDRA, GenericKubernetesResource.class);
    List<Map<String, Object>> datacenters = cluster.get("spec", "cassandra", "datacenters");
    assertEquals(1, datacenters.size(), "K8ssandraCluster " + CASSANDRA + " spec.cassandra.datacenters");
    Map<String, Object> dc = cassandraDatacenter();
    assertEquals(3, ((Number) dc.get("size")).intValue(), "K8ssandraCluster " + CASSANDRA + " datacenter size");
    @SuppressWarnings("unchecked")
    String dcName = (String) ((Map<String, Object>) dc.get("metadata")).get("name");

    assertEquals(dcName, nodeEnv.get("MEDTRACE_CASSANDRA_DATACENTER"), "MEDTRACE_CASSANDRA_DATACENTER vs the data centre");
    // cass-operator's CQL Service: <cluster name>-<data centre>-service.
    assertEquals(CASSANDRA + "-" + dcName + "-service:9042", nodeEnv.get("MEDTRACE_CASSANDRA_CONTACT_POINTS"),
        "MEDTRACE_CASSANDRA_CONTACT_POINTS vs the K8ssandraCluster");
    assertEquals("3", nodeEnv.get("MEDTRACE_REPLICATION_FACTOR"), "MEDTRACE_REPLICATION_FACTOR");
    assertEquals("QUORUM", nodeEnv.get("MEDTRACE_CASSANDRA_CONSISTENCY"), "MEDTRACE_CASSANDRA_CONSISTENCY");

    String superuser = cluster.get("spec", "cassandra", "superuserSecretRef", "name");
    for (String variable : List.of("MEDTRACE_CASSANDRA_USERNAME", "MEDTRACE_CASSANDRA_PASSWORD")) {
      assertEquals(superuser, valueFrom(nodeContainer, variable).getSecretKeyRef().getName(),
          "Deployment medtrace env " + variable + " must come from the K8ssandraCluster's superuser Secret");
    }
  }

  /**
   * A QUORUM acknowledgment is worth something only if the replicas that gave it keep the write when
   * their processes die: with periodic commit log sync two replicas killed at once can both lose it.
   */
  @Test
  void cassandraAcknowledgesAWriteOnlyOnceItsCommitLogIsSynced() {
    assertEquals("batch", cassandraYaml().get("commitlog_sync"), "K8ssandraCluster " + CASSANDRA + " commitlog_sync");
  }

  /**
   * Cassandra 5.0 keeps the legacy mmap commit log unless told otherwise; "auto" lets it write with
   * O_DIRECT | O_DSYNC where the volume allows, as the development node does (CassandraLauncher).
   */
  @Test
  void cassandraWritesItsCommitLogWithDirectIoWhereItsVolumeAllows() {
    assertEquals("auto", cassandraYaml().get("commitlog_disk_access_mode"),
        "K8ssandraCluster " + CASSANDRA + " commitlog_disk_access_mode");
  }

  /** The cassandra.yaml settings of the K8ssandraCluster's data centre dc1. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> cassandraYaml() {
    Map<String, Object> config = (Map<String, Object>) cassandraDatacenter().get("config");
    assertNotNull(config, "K8ssandraCluster " + CASSANDRA + " datacenter dc1 config");
    Map<String, Object> cassandraYaml = (Map<String, Object>) config.get("cassandraYaml");
    assertNotNull(cassandraYaml, "K8ssandraCluster " + CASSANDRA + " datacenter dc1 config.cassandraYaml");
    return cassandraYaml;
  }

  @Test
  void schemaJobAppliesTheSchemaWithTheNodesImageAndSettings() {
    Job job = manifests.one("Job", SCHEMA_JOB, Job.class);
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    Container apply = container(pod, "apply-schema", "Job " + SCHEMA_JOB);
    assertEquals(List.of("apply-schema"), apply.getArgs(), "Job " + SCHEMA_JOB + " container args");
    assertEquals(nodeContainer.getImage(), apply.getImage(), "Job " + SCHEMA_JOB + " image vs the node's");
    Map<String, String> jobEnv = environment(apply);
    for (String variable : List.of("MEDTRACE_REPLICATION_FACTOR", "MEDTRACE_CASSANDRA_CONTACT_POINTS",
        "MEDTRACE_CASSANDRA_DATACENTER", "JAVA_TOOL_OPTIONS")) {
      assertEquals(nodeEnv.get(variable), jobEnv.get(variable), "Job " + SCHEMA_JOB + " env " + variable + " vs the node's");
    }
    for (String variable : List.of("MEDTRACE_HOST", "MEDTRACE_CASSANDRA_USERNAME", "MEDTRACE_CASSANDRA_PASSWORD")) {
      assertEquals(valueFrom(nodeContainer, variable), valueFrom(apply, variable),
          "Job " + SCHEMA_JOB + " env " + variable + " vs the node's");
    }
    assertEquals("OnFailure", pod.getRestartPolicy(), "Job " + SCHEMA_JOB + " restartPolicy");
  }

  // ---- Kafka ----

  @Test
  void kafkaRunsKraftOnThreeNodesThatAreBrokersAndControllers() {
    Kafka kafka = manifests.one("Kafka", KAFKA, Kafka.class);
    Map<String, String> annotations = kafka.getMetadata().getAnnotations();
    assertEquals("enabled", annotations.get("strimzi.io/kraft"), "Kafka " + KAFKA + " annotation strimzi.io/kraft");
    assertEquals("enabled", annotations.get("strimzi.io/node-pools"), "Kafka " + KAFKA + " annotation strimzi.io/node-pools");
    assertEquals(null, kafka.getSpec().getZookeeper(), "Kafka " + KAFKA + " spec.zookeeper (KRaft: none)");

    int brokers = 0;
    int controllers = 0;
    for (KafkaNodePool pool : kafkaNodePools()) {
      if (pool.getSpec().getRoles().contains(ProcessRoles.BROKER)) {
        brokers += pool.getSpec().getReplicas();
      }
      if (pool.getSpec().getRoles().contains(ProcessRoles.CONTROLLER)) {
        controllers += pool.getSpec().getReplicas();
      }
    }
    assertEquals(3, brokers, "broker replicas over the KafkaNodePools of " + KAFKA);
    assertEquals(3, controllers, "controller replicas over the KafkaNodePools of " + KAFKA + " (a KRaft quorum of 3)");

    Map<String, Object> config = kafka.getSpec().getKafka().getConfig();
    assertEquals(3, intValue(config, "default.replication.factor"), "Kafka " + KAFKA + " config default.replication.factor");
    assertEquals(2, intValue(config, "min.insync.replicas"), "Kafka " + KAFKA + " config min.insync.replicas");
    assertEquals(3, intValue(config, "offsets.topic.replication.factor"), "Kafka " + KAFKA + " config offsets.topic.replication.factor");
    assertEquals(3, intValue(config, "transaction.state.log.replication.factor"),
        "Kafka " + KAFKA + " config transaction.state.log.replication.factor");
    assertEquals(2, intValue(config, "transaction.state.log.min.isr"), "Kafka " + KAFKA + " config transaction.state.log.min.isr");

    // Strimzi's bootstrap Service: <cluster>-kafka-bootstrap, on the listener's port.
    GenericKafkaListener plain = kafka.getSpec().getKafka().getListeners().stream()
        .filter(listener -> "plain".equals(listener.getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("Kafka " + KAFKA + " has no listener 'plain'"));
    assertEquals(KAFKA + "-kafka-bootstrap:" + plain.getPort(), nodeEnv.get("MEDTRACE_KAFKA_BOOTSTRAP_SERVERS"),
        "MEDTRACE_KAFKA_BOOTSTRAP_SERVERS vs Kafka " + KAFKA);
  }

  @Test
  void everyTopicHasThreeReplicasAndMinInSyncReplicasTwo() {
    List<KafkaTopic> topics = manifests.all("KafkaTopic", KafkaTopic.class);
    Map<String, KafkaTopic> byTopicName = new TreeMap<>();
    for (KafkaTopic topic : topics) {
      String name = topic.getSpec().getTopicName() != null ? topic.getSpec().getTopicName() : topic.getMetadata().getName();
      byTopicName.put(name, topic);
    }
    assertEquals(new TreeSet<>(TOPICS), byTopicName.keySet(), "topic names of the rendered KafkaTopics");
    byTopicName.forEach((name, topic) -> {
      String field = "KafkaTopic " + topic.getMetadata().getName() + " (" + name + ")";
      assertEquals(KAFKA, topic.getMetadata().getLabels().get("strimzi.io/cluster"), field + " label strimzi.io/cluster");
      assertEquals(3, topic.getSpec().getReplicas(), field + " spec.replicas");
      assertEquals(2, intValue(topic.getSpec().getConfig(), "min.insync.replicas"), field + " config min.insync.replicas");
      assertTrue(topic.getSpec().getPartitions() >= 1, field + " spec.partitions");
    });
  }

  // ---- Helpers ----

  /** The pod templates of every rendered workload, by "Kind/name". */
  Map<String, PodTemplateSpec> podTemplates() {
    Map<String, PodTemplateSpec> templates = new LinkedHashMap<>();
    manifests.all("Deployment", Deployment.class).forEach(d -> templates.put("Deployment/" + d.getMetadata().getName(), d.getSpec().getTemplate()));
    manifests.all("StatefulSet", StatefulSet.class).forEach(s -> templates.put("StatefulSet/" + s.getMetadata().getName(), s.getSpec().getTemplate()));
    manifests.all("DaemonSet", DaemonSet.class).forEach(s -> templates.put("DaemonSet/" + s.getMetadata().getName(), s.getSpec().getTemplate()));
    manifests.all("Job", Job.class).forEach(j -> templates.put("Job/" + j.getMetadata().getName(), j.getSpec().getTemplate()));
    return templates;
  }

  List<KafkaNodePool> kafkaNodePools() {
    List<KafkaNodePool> pools = manifests.all("KafkaNodePool", KafkaNodePool.class).stream()
        .filter(pool -> KAFKA.equals(pool.getMetadata().getLabels().get("strimzi.io/cluster")))
        .toList();
    assertFalse(pools.isEmpty(), "no KafkaNodePool labelled strimzi.io/cluster=" + KAFKA);
    return pools;
  }

  Map<String, Object> cassandraDatacenter() {
    GenericKubernetesResource cluster = manifests.one("K8ssandraCluster", CASSANDRA, GenericKubernetesResource.class);
    return cluster.get("spec", "cassandra", "datacenters", 0);
  }

  static Container container(PodSpec pod, String name, String owner) {
    return pod.getContainers().stream()
        .filter(container -> name.equals(container.getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(owner + " has no container named " + name));
  }

  static Map<String, String> podLabels(PodTemplateSpec template) {
    return template.getMetadata().getLabels() == null ? Map.of() : template.getMetadata().getLabels();
  }

  /** Whether a selector (matchLabels only: the manifests use no expressions) selects these labels. */
  static boolean selects(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    if (selector.getMatchExpressions() != null && !selector.getMatchExpressions().isEmpty()) {
      fail("selector with matchExpressions; extend the test: " + selector);
    }
    return selects(selector.getMatchLabels(), labels);
  }

  static boolean selects(Map<String, String> matchLabels, Map<String, String> labels) {
    return matchLabels != null && !matchLabels.isEmpty() && labels.entrySet().containsAll(matchLabels.entrySet());
  }

  /** A container's environment: its envFrom ConfigMaps' data, then its env values (valueFrom as a marker). */
  Map<String, String> environment(Container container) {
    Map<String, String> environment = new HashMap<>();
    for (EnvFromSource source : Objects.requireNonNullElse(container.getEnvFrom(), List.<EnvFromSource>of())) {
      if (source.getConfigMapRef() != null) {
        String name = source.getConfigMapRef().getName();
        environment.putAll(manifests.one("ConfigMap", name, ConfigMap.class).getData());
      }
    }
    for (EnvVar variable : Objects.requireNonNullElse(container.getEnv(), List.<EnvVar>of())) {
      environment.put(variable.getName(), variable.getValue() != null ? variable.getValue() : "<from " + variable.getName() + " valueFrom>");
    }
    return environment;
  }

  static io.fabric8.kubernetes.api.model.EnvVarSource valueFrom(Container container, String name) {
    return container.getEnv().stream()
        .filter(variable -> name.equals(variable.getName()) && variable.getValueFrom() != null)
        .findFirst()
        .orElseThrow(() -> new AssertionError("container " + container.getName() + " sets no " + name + " with valueFrom"))
        .getValueFrom();
  }

  static String mountPathOfSecret(PodSpec pod, Container container, String secret) {
    return mountPath(container, pod.getVolumes().stream()
        .filter(v -> v.getSecret() != null && secret.equals(v.getSecret().getSecretName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no volume of Secret " + secret)));
  }

  static String mountPath(Container container, Volume volume) {
    return container.getVolumeMounts().stream()
        .filter(mount -> volume.getName().equals(mount.getName()))
        .map(VolumeMount::getMountPath)
        .findFirst()
        .orElseThrow(() -> new AssertionError("container " + container.getName() + " does not mount volume " + volume.getName()));
  }

  static Volume volumeOfConfigMap(PodSpec pod, String configMap) {
    return pod.getVolumes().stream()
        .filter(v -> v.getConfigMap() != null && configMap.equals(v.getConfigMap().getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no volume of ConfigMap " + configMap));
  }

  static String mountPathOfConfigMap(PodSpec pod, Container container, String configMap) {
    return mountPath(container, volumeOfConfigMap(pod, configMap));
  }

  static Volume volumeMountedAt(PodSpec pod, Container container, String path) {
    String volumeName = container.getVolumeMounts().stream()
        .filter(mount -> path.equals(mount.getMountPath()))
        .map(VolumeMount::getName)
        .findFirst()
        .orElseThrow(() -> new AssertionError("container " + container.getName() + " mounts nothing at " + path));
    return pod.getVolumes().stream().filter(v -> volumeName.equals(v.getName())).findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + volumeName));
  }

  static Set<String> referencedConfigMaps(PodTemplateSpec template) {
    Set<String> names = new TreeSet<>();
    PodSpec pod = template.getSpec();
    Stream.ofNullable(pod.getVolumes()).flatMap(List::stream)
        .filter(v -> v.getConfigMap() != null).forEach(v -> names.add(v.getConfigMap().getName()));
    allContainers(pod).forEach(container -> {
      Stream.ofNullable(container.getEnvFrom()).flatMap(List::stream)
          .filter(s -> s.getConfigMapRef() != null).forEach(s -> names.add(s.getConfigMapRef().getName()));
      Stream.ofNullable(container.getEnv()).flatMap(List::stream)
          .filter(e -> e.getValueFrom() != null && e.getValueFrom().getConfigMapKeyRef() != null)
          .forEach(e -> names.add(e.getValueFrom().getConfigMapKeyRef().getName()));
    });
    return names;
  }

  static Set<String> referencedSecrets(PodTemplateSpec template) {
    Set<String> names = new TreeSet<>();
    PodSpec pod = template.getSpec();
    Stream.ofNullable(pod.getVolumes()).flatMap(List::stream)
        .filter(v -> v.getSecret() != null).forEach(v -> names.add(v.getSecret().getSecretName()));
    allContainers(pod).forEach(container -> {
      Stream.ofNullable(container.getEnvFrom()).flatMap(List::stream)
          .filter(s -> s.getSecretRef() != null).forEach(s -> names.add(s.getSecretRef().getName()));
      Stream.ofNullable(container.getEnv()).flatMap(List::stream)
          .filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
          .forEach(e -> names.add(e.getValueFrom().getSecretKeyRef().getName()));
    });
    return names;
  }

  static Stream<Container> allContainers(PodSpec pod) {
    return Stream.concat(pod.getContainers().stream(), Stream.ofNullable(pod.getInitContainers()).flatMap(List::stream));
  }

  /** The value of {@code -Dname=value} in a JVM options string. */
  static String systemProperty(String options, String name) {
    assertNotNull(options, "JAVA_TOOL_OPTIONS");
    Matcher matcher = Pattern.compile("(?:^|\\s)-D" + Pattern.quote(name) + "=(\\S+)").matcher(options);
    assertTrue(matcher.find(), "JAVA_TOOL_OPTIONS sets no -D" + name + ": " + options);
    return matcher.group(1);
  }

  static java.math.BigDecimal amount(Quantity quantity) {
    return quantity.getNumericalAmount();
  }

  static int intValue(Map<String, Object> config, String key) {
    Object value = config.get(key);
    assertNotNull(value, "config " + key);
    return value instanceof Number number ? number.intValue() : Integer.parseInt(value.toString());
  }
}
