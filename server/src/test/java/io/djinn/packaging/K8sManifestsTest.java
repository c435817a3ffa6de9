package io.djinn.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.djinn.config.DjinnConfig;
import io.djinn.hub.RepoRef;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Renders every overlay of {@code k8s/} with {@link Kustomize}, binds each object to the Kubernetes (and Knative)
 * object model of fabric8 with no unknown field anywhere, and checks the objects against each other (selectors,
 * references, named ports) and against the application (HTTP port, health paths, configuration env names).
 */
class K8sManifestsTest {

    private static final Path K8S = Path.of("../k8s"); // tests run in the server module
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    private static final Map<String, Class<? extends HasMetadata>> MODEL = Map.ofEntries(
            Map.entry("v1/ServiceAccount", io.fabric8.kubernetes.api.model.ServiceAccount.class),
            Map.entry("rbac.authorization.k8s.io/v1/Role", io.fabric8.kubernetes.api.model.rbac.Role.class),
            Map.entry("rbac.authorization.k8s.io/v1/RoleBinding",
                    io.fabric8.kubernetes.api.model.rbac.RoleBinding.class),
            Map.entry("gateway.networking.k8s.io/v1/Gateway",
                    io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class),
            Map.entry("gateway.networking.k8s.io/v1/HTTPRoute",
                    io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute.class),
            Map.entry("inference.networking.k8s.io/v1/InferencePool", InferencePool.class),
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Secret", Secret.class),
            Map.entry("v1/Service", io.fabric8.kubernetes.api.model.Service.class),
            Map.entry("v1/PersistentVolumeClaim", PersistentVolumeClaim.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
            Map.entry("serving.knative.dev/v1/Service", Service.class));
    private static final Set<String> HEALTH_PATHS = Set.of("/q/health/live", "/q/health/ready", "/q/health/started",
            "/health");
    /** Quarkus extension settings the manifests set that application.properties leaves unset (Redis is optional). */
    private static final Set<String> EXTENSION_PROPERTIES = Set.of("quarkus.redis.hosts");

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu", "knative", "hub", "inference-gateway"})
    void overlayRendersToValidObjectsThatMatchTheApplication(String overlay) throws Exception {
        List<HasMetadata> objects = new ArrayList<>();
        for (ObjectNode node : Kustomize.build(K8S.resolve("overlays").resolve(overlay))) {
            objects.add(bind(node));
        }
        Rendered r = new Rendered(objects);
        Set<String> ids = new HashSet<>();
        for (HasMetadata o : objects) {
            assertTrue(ids.add(o.getApiVersion() + "/" + o.getKind() + "/" + o.getMetadata().getName()),
                    "duplicate " + o.getKind() + " " + o.getMetadata().getName());
            assertTrue(o.getMetadata().getName().matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"), o.getMetadata().getName());
            assertEquals("djinn", o.getMetadata().getLabels().get("app.kubernetes.io/part-of"), o.getKind());
        }
        assertFalse(r.all(ConfigMap.class).isEmpty());
        assertFalse(r.all(Secret.class).isEmpty());
        assertEquals(2, r.all(NetworkPolicy.class).size());
        Deployment redis = r.named(Deployment.class, "djinn-redis");
        assertTrue(r.all(io.fabric8.kubernetes.api.model.Service.class).stream()
                .anyMatch(s -> s.getMetadata().getName().equals("djinn-redis")));
        checkPod(r, redis.getSpec().getTemplate().getSpec(), redis.getSpec().getTemplate().getMetadata().getLabels());

        if (overlay.equals("knative")) {
            assertTrue(r.all(Deployment.class).stream().noneMatch(d -> d.getMetadata().getName().equals("djinn")));
            assertTrue(r.all(HorizontalPodAutoscaler.class).isEmpty());
            Service ksvc = r.named(Service.class, "djinn");
            Map<String, String> annotations = ksvc.getSpec().getTemplate().getMetadata().getAnnotations();
            assertEquals("0", annotations.get("autoscaling.knative.dev/min-scale"), "scales to zero");
            assertEquals("concurrency", annotations.get("autoscaling.knative.dev/metric"));
            assertTrue(Integer.parseInt(annotations.get("autoscaling.knative.dev/target")) > 0);
            // a Knative RevisionSpec is a PodSpec plus Knative's own fields
            PodSpec pod = STRICT.convertValue(ksvc.getSpec().getTemplate().getSpec(), PodSpec.class);
            assertTrue(ksvc.getSpec().getTemplate().getSpec().getContainerConcurrency() > 0);
            checkServer(r, pod, ksvc.getSpec().getTemplate().getMetadata().getLabels(), false);
            return;
        }
        Deployment djinn = r.named(Deployment.class, "djinn");
        Map<String, String> podLabels = djinn.getSpec().getTemplate().getMetadata().getLabels();
        assertTrue(podLabels.entrySet().containsAll(djinn.getSpec().getSelector().getMatchLabels().entrySet()));
        PodSpec pod = djinn.getSpec().getTemplate().getSpec();
        checkServer(r, pod, podLabels, true);

        var service = r.named(io.fabric8.kubernetes.api.model.Service.class, "djinn");
        assertTrue(podLabels.entrySet().containsAll(service.getSpec().getSelector().entrySet()));
        assertEquals("http", service.getSpec().getPorts().getFirst().getTargetPort().getStrVal());
        var pdb = r.named(PodDisruptionBudget.class, "djinn");
        assertTrue(podLabels.entrySet().containsAll(pdb.getSpec().getSelector().getMatchLabels().entrySet()));
        var hpa = r.named(HorizontalPodAutoscaler.class, "djinn");
        assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
        assertEquals("djinn", hpa.getSpec().getScaleTargetRef().getName());
        assertTrue(Set.of("djinn_num_requests_waiting", "djinn:num_requests_waiting")
                .contains(hpa.getSpec().getMetrics().getFirst().getPods().getMetric().getName()));
        Duration grace = Duration.parse("PT" + r.env(pod.getContainers().getFirst())
                .get("DJINN_SHUTDOWN_GRACE_PERIOD").toUpperCase(Locale.ROOT));
        assertTrue(grace.toSeconds() < pod.getTerminationGracePeriodSeconds(),
                "the kubelet must not kill the pod before the drain has ended the streams");

        Container c = pod.getContainers().getFirst();
        Map<String, String> env = r.env(c);
        if (overlay.equals("gpu")) {
            assertEquals(new Quantity("1"), c.getResources().getLimits().get("nvidia.com/gpu"));
            assertEquals(new Quantity("1"), c.getResources().getRequests().get("nvidia.com/gpu"));
            assertTrue(pod.getTolerations().stream().anyMatch(t -> "nvidia.com/gpu".equals(t.getKey())));
            assertTrue(env.get("DJINN_MODEL_DEVICE").startsWith("cuda"));
            assertTrue(c.getImage().endsWith("-cuda"), c.getImage());
        } else {
            assertEquals("cpu", env.get("DJINN_MODEL_DEVICE"));
            assertFalse(c.getResources().getRequests().containsKey("nvidia.com/gpu"));
        }
    }

    /**
     * The inference-gateway overlay: the InferencePool (checked against the Inference Extension's v1 CRD schema, see
     * {@link InferencePool}) selects Djinn's pods on their HTTP port and names the endpoint picker's Service and port;
     * the picker reads Djinn's queue and KV-cache gauges by the names /metrics exports (README's table), watches the
     * pool with the rights its Role gives its ServiceAccount, and loads its plugin configuration from the mounted
     * ConfigMap; the HTTPRoute sends /v1 from the Gateway to the pool.
     */
    @org.junit.jupiter.api.Test
    void inferenceGatewayRoutesThroughThePoolWithDjinnsMetricNames() throws Exception {
        List<HasMetadata> objects = new ArrayList<>();
        for (ObjectNode node : Kustomize.build(K8S.resolve("overlays").resolve("inference-gateway"))) {
            objects.add(bind(node));
        }
        Rendered r = new Rendered(objects);
        InferencePool pool = r.named(InferencePool.class, "djinn");
        assertNotNull(pool.getSpec(), "spec is required");
        pool.checkSchema();
        Deployment djinn = r.named(Deployment.class, "djinn");
        Map<String, String> podLabels = djinn.getSpec().getTemplate().getMetadata().getLabels();
        assertTrue(podLabels.entrySet().containsAll(pool.getSpec().selector().matchLabels().entrySet()));
        Container server = djinn.getSpec().getTemplate().getSpec().getContainers().getFirst();
        int httpPort = server.getPorts().stream().filter(p -> "http".equals(p.getName())).findFirst().orElseThrow()
                .getContainerPort();
        assertEquals(httpPort, pool.getSpec().targetPorts().getFirst().number());

        var ref = pool.getSpec().endpointPickerRef();
        var eppService = r.named(io.fabric8.kubernetes.api.model.Service.class, ref.name());
        assertTrue(eppService.getSpec().getPorts().stream().anyMatch(p -> p.getPort() == ref.port().number()));
        Deployment epp = r.all(Deployment.class).stream().filter(d -> d.getSpec().getTemplate().getMetadata()
                .getLabels().entrySet().containsAll(eppService.getSpec().getSelector().entrySet())).findFirst()
                .orElseThrow(() -> new AssertionError("no Deployment behind the picker's Service"));
        PodSpec eppPod = epp.getSpec().getTemplate().getSpec();
        Container picker = eppPod.getContainers().getFirst();
        Map<String, String> args = new HashMap<>();
        for (String a : picker.getArgs()) {
            int eq = a.indexOf('=');
            args.put(a.substring(0, eq < 0 ? a.length() : eq), eq < 0 ? "" : a.substring(eq + 1));
        }
        assertEquals(pool.getMetadata().getName(), args.get("--pool-name"));
        List<String> readme = io.djinn.api.MetricsApiTest.readmeMetrics();
        assertEquals("djinn_num_requests_waiting", args.get("--total-queued-requests-metric"));
        assertEquals("djinn_kv_cache_usage_perc", args.get("--kv-cache-usage-percentage-metric"));
        assertTrue(readme.contains(args.get("--total-queued-requests-metric")), "README's metrics: " + readme);
        assertTrue(readme.contains(args.get("--kv-cache-usage-percentage-metric")), "README's metrics: " + readme);
        assertEquals("", args.get("--lora-info-metric"), "Djinn serves no LoRA adapters");
        assertTrue(picker.getPorts().stream().anyMatch(p -> eppService.getSpec().getPorts().getFirst().getTargetPort()
                .getStrVal().equals(p.getName()) && p.getContainerPort() == Integer.parseInt(args.get("--grpc-port"))));
        String configFile = args.get("--config-file");
        var mount = picker.getVolumeMounts().stream().filter(m -> configFile.startsWith(m.getMountPath() + "/"))
                .findFirst().orElseThrow();
        Volume volume = eppPod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst()
                .orElseThrow();
        ConfigMap config = r.named(ConfigMap.class, volume.getConfigMap().getName());
        String plugins = config.getData().get(configFile.substring(mount.getMountPath().length() + 1));
        assertNotNull(plugins, "the picker's configuration file is in its ConfigMap");
        var pluginConfig = Kustomize.YAML.readTree(plugins);
        assertEquals("EndpointPickerConfig", pluginConfig.get("kind").asText());
        Set<String> declared = new HashSet<>();
        pluginConfig.get("plugins").forEach(p -> declared.add(p.get("type").asText()));
        assertTrue(declared.containsAll(Set.of("queue-scorer", "kv-cache-utilization-scorer")), declared.toString());
        pluginConfig.get("schedulingProfiles").forEach(profile -> profile.get("plugins")
                .forEach(p -> assertTrue(declared.contains(p.get("pluginRef").asText()), p.toString())));

        var role = r.named(io.fabric8.kubernetes.api.model.rbac.Role.class, "djinn-epp");
        assertTrue(role.getRules().stream().anyMatch(rule -> rule.getApiGroups().contains("inference.networking.k8s.io")
                && rule.getResources().contains("inferencepools") && rule.getVerbs().containsAll(List.of("get", "list",
                        "watch"))));
        assertTrue(role.getRules().stream().anyMatch(rule -> rule.getResources().contains("pods")
                && rule.getVerbs().containsAll(List.of("list", "watch"))));
        var binding = r.named(io.fabric8.kubernetes.api.model.rbac.RoleBinding.class, "djinn-epp");
        assertEquals(role.getMetadata().getName(), binding.getRoleRef().getName());
        assertTrue(binding.getSubjects().stream().anyMatch(sub -> sub.getName().equals(eppPod.getServiceAccountName())));
        r.named(io.fabric8.kubernetes.api.model.ServiceAccount.class, eppPod.getServiceAccountName());

        var route = r.named(io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute.class, "djinn");
        var parent = route.getSpec().getParentRefs().getFirst();
        r.named(io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class, parent.getName());
        var backend = route.getSpec().getRules().getFirst().getBackendRefs().getFirst();
        assertEquals("inference.networking.k8s.io", backend.getGroup());
        assertEquals("InferencePool", backend.getKind());
        assertEquals(pool.getMetadata().getName(), backend.getName());
        assertEquals("/v1", route.getSpec().getRules().getFirst().getMatches().getFirst().getPath().getValue());
        // Scaling past one replica: the HPA adds pods, the pool spreads requests over them.
        r.named(HorizontalPodAutoscaler.class, "djinn");
    }

    /**
     * The Grafana dashboard ConfigMap is in every overlay with the sidecar's label, has the panels operators look
     * for, and queries only metrics README's table names (so /metrics exports them: MetricsApiTest).
     */
    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu", "knative", "hub", "inference-gateway"})
    void grafanaDashboardQueriesMetricsThatExist(String overlay) throws Exception {
        ObjectNode cm = Kustomize.build(K8S.resolve("overlays").resolve(overlay)).stream()
                .filter(o -> o.path("kind").asText().equals("ConfigMap")
                        && o.path("metadata").path("name").asText().equals("djinn-grafana-dashboard"))
                .findFirst().orElseThrow(() -> new AssertionError("no dashboard ConfigMap in " + overlay));
        assertEquals("1", cm.path("metadata").path("labels").path("grafana_dashboard").asText());
        var dashboard = Kustomize.YAML.readTree(cm.path("data").path("djinn.json").asText());
        List<String> titles = new ArrayList<>();
        List<String> exprs = new ArrayList<>();
        dashboard.path("panels").forEach(p -> {
            titles.add(p.path("title").asText());
            p.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
        });
        String all = String.join("\n", exprs);
        for (String needed : List.of("djinn_time_to_first_token_seconds_bucket", "djinn_inter_token_latency_seconds_bucket",
                "djinn_e2e_request_latency_seconds_bucket", "djinn_request_queue_time_seconds_bucket",
                "djinn_generation_tokens_total", "djinn_num_requests_running", "djinn_num_requests_waiting",
                "djinn_kv_cache_usage_perc", "status=\"429\"", "djinn_redis_unavailable_total")) {
            assertTrue(all.contains(needed), "no panel queries " + needed + " in " + titles);
        }
        assertTrue(all.contains("histogram_quantile(0.99"), "quantiles");
        List<String> readme = io.djinn.api.MetricsApiTest.readmeMetrics();
        var names = java.util.regex.Pattern.compile("\\b((?:djinn|http|jvm|process|system)_[a-z0-9_]+)").matcher(all);
        int checked = 0;
        while (names.find()) {
            String name = names.group(1);
            String base = name.replaceAll("_(bucket|count|sum)$", "");
            assertTrue(readme.contains(name) || readme.contains(base),
                    "the dashboard queries " + name + ", which README's metrics table does not name");
            checked++;
        }
        assertTrue(checked >= 12, "metrics checked: " + checked);
    }

    /** The Djinn container: port, probes, env names, security and volumes. */
    private static void checkServer(Rendered r, PodSpec pod, Map<String, String> podLabels, boolean namedPort)
            throws Exception {
        checkPod(r, pod, podLabels);
        Container c = pod.getContainers().getFirst();
        Properties app = applicationProperties();
        int port = Integer.parseInt(app.getProperty("quarkus.http.port"));
        assertEquals(port, c.getPorts().getFirst().getContainerPort(), "container port is quarkus.http.port");
        assertEquals("/q/health/ready", c.getReadinessProbe().getHttpGet().getPath());
        assertEquals("/q/health/live", c.getLivenessProbe().getHttpGet().getPath());
        for (Probe p : Stream.of(c.getStartupProbe(), c.getReadinessProbe(), c.getLivenessProbe())
                .filter(p -> p != null).toList()) {
            assertTrue(HEALTH_PATHS.contains(p.getHttpGet().getPath()), p.getHttpGet().getPath());
            if (namedPort) {
                assertEquals("http", p.getHttpGet().getPort().getStrVal());
            }
        }
        Set<String> known = knownProperties(app);
        for (String name : r.env(c).keySet()) {
            if (name.startsWith("DJINN_") || name.startsWith("QUARKUS_")) {
                assertTrue(known.stream().anyMatch(p -> envName(p).equals(name)),
                        name + " matches no property of DjinnConfig, application.properties or " + EXTENSION_PROPERTIES);
            }
        }
        String modelPath = r.env(c).get("DJINN_MODEL_PATH");
        if (RepoRef.parse(modelPath, RepoRef.DEFAULT_REVISION).isPresent()) {
            checkHubModel(r, pod, podLabels, c);
        } else {
            assertTrue(modelPath.startsWith(c.getVolumeMounts().stream()
                    .filter(m -> m.getName().equals("models")).findFirst().orElseThrow().getMountPath()),
                    "the model comes from the models volume");
        }
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")), "/tmp is writable");
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals(r.env(c).get("DJL_CACHE_DIR"))),
                "DJL's cache is writable");
    }

    /**
     * A model by repository id: the hub cache is a writable volume that outlives the pod, the token comes from a
     * Secret that exists, Djinn may reach the Hub over HTTPS, and readiness waits long enough for a download.
     */
    private static void checkHubModel(Rendered r, PodSpec pod, Map<String, String> podLabels, Container c) {
        Map<String, String> env = r.env(c);
        String cache = env.containsKey("HF_HUB_CACHE") ? env.get("HF_HUB_CACHE") : env.get("HF_HOME") + "/hub";
        var mount = c.getVolumeMounts().stream().filter(m -> cache.startsWith(m.getMountPath() + "/")
                || cache.equals(m.getMountPath())).findFirst()
                .orElseThrow(() -> new AssertionError("the hub cache " + cache + " is on no volume"));
        assertFalse(Boolean.TRUE.equals(mount.getReadOnly()), "the hub cache is written");
        Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst()
                .orElseThrow();
        assertNotNull(volume.getPersistentVolumeClaim(), "the cache outlives the pod, or every start downloads again");
        assertTrue(pod.getVolumes().stream().noneMatch(v -> v.getName().equals("models")), "no unused model volume");
        assertTrue(r.all(PersistentVolumeClaim.class).stream().noneMatch(p -> p.getMetadata().getName()
                .equals("djinn-models")));
        var token = c.getEnv().stream().filter(e -> e.getName().equals("HF_TOKEN")).findFirst()
                .orElseThrow(() -> new AssertionError("HF_TOKEN for gated models"));
        var ref = token.getValueFrom().getSecretKeyRef();
        assertNotNull(ref, "the token comes from a Secret, not from the manifest");
        assertTrue(r.named(Secret.class, ref.getName()).getStringData().containsKey(ref.getKey()));
        assertTrue(r.all(NetworkPolicy.class).stream()
                .filter(np -> podLabels.entrySet()
                        .containsAll(np.getSpec().getPodSelector().getMatchLabels().entrySet()))
                .flatMap(np -> np.getSpec().getEgress().stream())
                .anyMatch(rule -> rule.getPorts().stream().anyMatch(p -> p.getPort().getIntVal() != null
                        && p.getPort().getIntVal() == 443 && "TCP".equals(p.getProtocol()))),
                "the network policy lets Djinn reach the Hub on 443");
        Probe startup = c.getStartupProbe();
        assertTrue(startup.getPeriodSeconds() * startup.getFailureThreshold() >= 1800,
                "a large download gets at least 30 minutes before the kubelet gives up");
    }

    /** What every pod here must be: non-root, read-only root, resources set, references resolved. */
    private static void checkPod(Rendered r, PodSpec pod, Map<String, String> podLabels) {
        Set<String> volumes = new HashSet<>();
        for (Volume v : pod.getVolumes()) {
            volumes.add(v.getName());
            if (v.getPersistentVolumeClaim() != null) {
                r.named(PersistentVolumeClaim.class, v.getPersistentVolumeClaim().getClaimName());
            }
        }
        for (Container c : pod.getContainers()) {
            boolean nonRoot = Boolean.TRUE.equals(pod.getSecurityContext().getRunAsNonRoot())
                    || (c.getSecurityContext() != null && Boolean.TRUE.equals(c.getSecurityContext().getRunAsNonRoot()));
            assertTrue(nonRoot, c.getName() + " runs as non-root");
            assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem(), c.getName() + " has a read-only root");
            assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
            assertNotNull(c.getResources().getRequests().get("memory"), c.getName());
            assertNotNull(c.getResources().getLimits().get("memory"), c.getName());
            c.getVolumeMounts().forEach(m -> assertTrue(volumes.contains(m.getName()),
                    "mount of an undeclared volume " + m.getName()));
            Set<String> portNames = new HashSet<>();
            c.getPorts().forEach(p -> portNames.add(p.getName()));
            for (Probe p : Stream.of(c.getStartupProbe(), c.getReadinessProbe(), c.getLivenessProbe())
                    .filter(p -> p != null).toList()) {
                var port = p.getHttpGet() != null ? p.getHttpGet().getPort() : p.getTcpSocket().getPort();
                if (port != null && port.getStrVal() != null) {
                    assertTrue(portNames.contains(port.getStrVal()), "probe port " + port.getStrVal());
                }
            }
            r.env(c).keySet().forEach(n -> assertTrue(n.matches("[A-Za-z_][A-Za-z0-9_]*"), "env name " + n));
        }
        for (NetworkPolicy np : r.all(NetworkPolicy.class)) {
            assertFalse(np.getSpec().getPodSelector().getMatchLabels().isEmpty());
        }
        assertFalse(podLabels.isEmpty());
    }

    private static HasMetadata bind(ObjectNode node) throws Exception {
        String key = node.path("apiVersion").asText() + "/" + node.path("kind").asText();
        Class<? extends HasMetadata> type = MODEL.get(key);
        if (type == null) {
            fail("no object model for " + key);
        }
        HasMetadata o = STRICT.treeToValue(node, type);
        // numbers compare by value: the model widens some ints to longs
        java.util.Comparator<com.fasterxml.jackson.databind.JsonNode> sameValue = (a, b) -> a.equals(b)
                || (a.isNumber() && b.isNumber() && a.decimalValue().compareTo(b.decimalValue()) == 0) ? 0 : 1;
        assertTrue(node.equals(sameValue, STRICT.valueToTree(o)),
                key + " does not round-trip through the object model: " + node);
        noUnknownFields(o, key + " " + o.getMetadata().getName());
        return o;
    }

    /** fabric8 keeps unknown fields in additionalProperties instead of failing: any there is a typo. */
    private static void noUnknownFields(Object o, String where) throws Exception {
        if (o == null || !o.getClass().getName().startsWith("io.fabric8.")) {
            if (o instanceof Collection<?> c) {
                for (Object e : c) {
                    noUnknownFields(e, where);
                }
            } else if (o instanceof Map<?, ?> m) {
                for (Object e : m.values()) {
                    noUnknownFields(e, where);
                }
            }
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value = m.invoke(o);
            if (m.getName().equals("getAdditionalProperties")) {
                assertTrue(value == null || ((Map<?, ?>) value).isEmpty(),
                        where + ": unknown fields " + value + " in " + o.getClass().getSimpleName());
            } else {
                noUnknownFields(value, where);
            }
        }
    }

    private static Properties applicationProperties() throws Exception {
        Properties p = new Properties();
        try (InputStream in = K8sManifestsTest.class.getResourceAsStream("/application.properties")) {
            p.load(in);
        }
        return p;
    }

    private static Set<String> knownProperties(Properties app) {
        Set<String> known = new HashSet<>(EXTENSION_PROPERTIES);
        app.stringPropertyNames().stream().filter(n -> !n.startsWith("%")).forEach(known::add);
        collect("djinn", DjinnConfig.class, known);
        return known;
    }

    static void collect(String prefix, Class<?> mapping, Set<String> out) {
        for (Method m : mapping.getDeclaredMethods()) {
            String name = prefix + "." + m.getName().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
            if (m.getReturnType().isInterface() && m.getReturnType().getEnclosingClass() == DjinnConfig.class) {
                collect(name, m.getReturnType(), out);
            } else {
                out.add(name);
            }
        }
    }

    /** SmallRye Config's environment variable name for a property. */
    static String envName(String property) {
        return property.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    private record Rendered(List<HasMetadata> objects) {
        <T extends HasMetadata> List<T> all(Class<T> type) {
            return objects.stream().filter(type::isInstance).map(type::cast).toList();
        }

        <T extends HasMetadata> T named(Class<T> type, String name) {
            return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
        }

        /** The container's environment: envFrom ConfigMaps and Secrets (which must exist), then env. */
        Map<String, String> env(Container c) {
            Map<String, String> env = new HashMap<>();
            for (EnvFromSource from : c.getEnvFrom()) {
                if (from.getConfigMapRef() != null) {
                    env.putAll(named(ConfigMap.class, from.getConfigMapRef().getName()).getData());
                }
                if (from.getSecretRef() != null) {
                    env.putAll(named(Secret.class, from.getSecretRef().getName()).getStringData());
                }
            }
            c.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
            return env;
        }
    }
}
