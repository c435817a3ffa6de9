package io.djinn.serving;

import io.djinn.engine.EngineListener;
import io.djinn.engine.FinishReason;
import io.djinn.engine.InferenceEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * The engine's numbers as Prometheus metrics, named after vLLM's ({@code vllm:} becomes {@code djinn_}):
 * latency histograms in seconds, request gauges, token and request counters. They live in the application's
 * Prometheus registry (Quarkus' Micrometer extension), beside its JVM, HTTP-server and process meters.
 *
 * <p>Latencies are {@link Timer}s: a {@code DistributionSummary} counts a value into the buckets after rounding it
 * to a whole number, so every sub-second latency landed in {@code le="1.0"}; a timer keeps nanoseconds.
 */
@ApplicationScoped
public class EngineMetrics implements EngineListener {

    /** Bucket bounds in seconds, as vLLM's latency histograms use. */
    private static final Duration[] LATENCY_BUCKETS = Arrays.stream(new double[] {0.001, 0.005, 0.01, 0.02, 0.04,
        0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0})
            .mapToObj(s -> Duration.ofNanos(Math.round(s * 1e9))).toArray(Duration[]::new);

    private final PrometheusMeterRegistry registry;
    private final Timer timeToFirstToken;
    private final Timer interToken;
    private final Timer endToEnd;
    private final Timer queueTime;
    /** Tokens per engine step, as vLLM's iteration_tokens_total buckets them (whole numbers: a summary fits). */
    private final DistributionSummary iterationTokens;
    private final Counter promptTokens;
    private final Counter cachedTokens;
    private final Counter generationTokens;
    private final Counter rejected;
    private final Counter preempted;
    private final Counter failed;
    private final Map<FinishReason, Counter> finished = new EnumMap<>(FinishReason.class);
    private volatile InferenceEngine engine;

    /** A registry of its own (tests and benchmarks outside CDI). */
    public EngineMetrics() {
        this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    @Inject
    public EngineMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
        timeToFirstToken = latency("djinn.time_to_first_token", "Time from submission to the first generated token");
        interToken = latency("djinn.inter_token_latency", "Time between two generated tokens of one request");
        endToEnd = latency("djinn.e2e_request_latency", "Time from submission to the end of a request");
        queueTime = latency("djinn.request_queue_time", "Time a request waited for a KV-cache slot");
        iterationTokens = DistributionSummary.builder("djinn.iteration_tokens")
                .description("Tokens fed by one engine step (decode rows plus prompt tokens)")
                .serviceLevelObjectives(1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384)
                .register(registry);
        promptTokens = counter("djinn.prompt_tokens", "Prompt tokens of scheduled requests");
        cachedTokens = counter("djinn.prefix_cache_hit_tokens", "Prompt tokens found in the prefix cache (not recomputed)");
        generationTokens = counter("djinn.generation_tokens", "Generated tokens");
        rejected = counter("djinn.request_rejected", "Requests refused: queue full or timed out");
        preempted = counter("djinn.num_preemptions", "Sequences preempted for priority ones");
        failed = counter("djinn.request_failed", "Requests ended by an engine error");
        for (FinishReason r : FinishReason.values()) {
            finished.put(r, Counter.builder("djinn.request_success").description("Finished requests by reason")
                    .tag("finished_reason", r.name().toLowerCase(java.util.Locale.ROOT)).register(registry));
        }
        Gauge.builder("djinn.num_requests_running", this, m -> m.engine == null ? 0 : m.engine.running())
                .description("Requests holding a KV-cache slot").register(registry);
        Gauge.builder("djinn.num_requests_waiting", this, m -> m.engine == null ? 0 : m.engine.waiting())
                .description("Requests waiting for a KV-cache slot").register(registry);
        Gauge.builder("djinn.kv_cache_usage_perc", this, m -> m.engine == null ? 0 : m.engine.cacheUsage())
                .description("Fraction of KV-cache slots in use (1 = full)").register(registry);
    }

    /** The engine whose gauges to report. */
    public void attach(InferenceEngine engine) {
        this.engine = engine;
    }

    /** Prometheus text exposition of every metric. */
    public String scrape() {
        return registry.scrape();
    }

    /** The registry the metrics live in (the application's, under CDI). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    private Timer latency(String name, String description) {
        return Timer.builder(name).description(description).serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry);
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }

    @Override
    public void scheduled(double queueSeconds, int prompt, int cached) {
        queueTime.record(seconds(queueSeconds));
        promptTokens.increment(prompt);
        cachedTokens.increment(cached);
    }

    @Override
    public void firstToken(double secondsSinceSubmit) {
        timeToFirstToken.record(seconds(secondsSinceSubmit));
        generationTokens.increment();
    }

    @Override
    public void interToken(double seconds) {
        interToken.record(seconds(seconds));
        generationTokens.increment();
    }

    @Override
    public void finished(FinishReason reason, int generatedTokens, double secondsSinceSubmit) {
        finished.get(reason).increment();
        endToEnd.record(seconds(secondsSinceSubmit));
    }

    @Override
    public void rejected() {
        rejected.increment();
    }

    @Override
    public void preempted() {
        preempted.increment();
    }

    @Override
    public void failed() {
        failed.increment();
    }

    @Override
    public void stepped(int decodeRows, int promptTokens) {
        iterationTokens.record(decodeRows + promptTokens);
    }
}
