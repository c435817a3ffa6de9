package io.djinn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * {@code bench-serve}: drives any OpenAI-compatible chat-completions endpoint with streaming requests and reports
 * what users feel (time to first token, time per output token, inter-token latency: p50/p90/p99) and what the
 * server delivers (output tokens/s, requests/s), for each concurrency level in one run, and optionally the
 * shared-system-prompt scenario (first versus second request's TTFT). With {@code --start} it first starts the
 * packaged Djinn server as a child process on a generated checkpoint, reachable on loopback only.
 */
public final class ServeBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Common words: about one token each for BPE vocabularies trained on English. */
    private static final String[] WORDS = ("the of and to in is you that it he was for on are as with his they at be "
            + "this have from or one had by word but not what all were we when your can said there use an each which "
            + "she do how their if will up other about out many then them these so some her would make like him into "
            + "time has look two more write go see number no way could people my than first water been call who oil "
            + "its now find long down day did get come made may part").split(" ");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final URI endpoint;
    private final String model;
    private final String apiKey;
    private volatile boolean ignoreEos = true;
    private volatile String ignoreEosNote;

    private ServeBenchmark(String baseUrl, String model, String apiKey) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.endpoint = URI.create(base + (base.endsWith("/v1") ? "" : "/v1") + "/chat/completions");
        this.model = model;
        this.apiKey = apiKey;
    }

    /**
     * One streamed request as the client saw it; times in seconds from sending it, except {@code sentNanos} and
     * {@code chunkNanos} (the arrival of each chunk with text), which are {@link System#nanoTime()} readings.
     */
    record Sample(double ttft, double e2e, int outputTokens, int promptTokens, int cachedTokens, double[] itl,
            String error, long sentNanos, long[] chunkNanos) {
        double tpot() {
            return outputTokens > 1 ? (e2e - ttft) / (outputTokens - 1) : Double.NaN;
        }

        static Sample failed(String error, long sentNanos) {
            return new Sample(0, 0, 0, 0, 0, new double[0], error, sentNanos, new long[0]);
        }

        /** Output tokens that arrived in [from, to]: a chunk carries its share of the usage count. */
        double tokensBetween(long from, long to) {
            if (chunkNanos.length == 0 || error != null) {
                return 0;
            }
            int in = 0;
            for (long t : chunkNanos) {
                if (t >= from && t <= to) {
                    in++;
                }
            }
            return (double) in * outputTokens / chunkNanos.length;
        }
    }

    public static void run(Map<String, String> o) throws Exception {
        if (o.containsKey("help")) {
            System.out.println(USAGE);
            return;
        }
        try (ServerProcess server = o.containsKey("start") ? ServerProcess.start(o) : null) {
            String url = server != null ? server.baseUrl() : o.getOrDefault("url", "http://127.0.0.1:8000");
            ServeBenchmark bench = new ServeBenchmark(url, o.get("model"),
                    o.getOrDefault("api-key", System.getenv("OPENAI_API_KEY")));
            Map<String, Object> report = bench.measure(o);
            report.put("url", url);
            report.put("started_server", server != null);
            if (server != null) {
                report.put("server", server.description());
            }
            System.out.println(bench.text(report));
            String json = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report);
            if (o.containsKey("json")) {
                if ("true".equals(o.get("json"))) {
                    System.out.println(json);
                } else {
                    Files.writeString(Path.of(o.get("json")), json);
                    System.out.println("JSON written to " + o.get("json"));
                }
            }
        }
    }

    private Map<String, Object> measure(Map<String, String> o) throws Exception {
        int requests = Integer.parseInt(o.getOrDefault("requests", "32"));
        int perWorker = Integer.parseInt(o.getOrDefault("requests-per-worker", "2"));
        int warmupPerWorker = Integer.parseInt(o.getOrDefault("warmup-requests-per-worker", "1"));
        int promptWords = Integer.parseInt(o.getOrDefault("prompt-tokens", "32"));
        int outputTokens = Integer.parseInt(o.getOrDefault("output-tokens", "64"));
        int[] levels = Stream.of(o.getOrDefault("concurrency", "1,16").split(",")).map(String::trim)
                .mapToInt(Integer::parseInt).toArray();
        int systemWords = Integer.parseInt(o.getOrDefault("shared-prefix-tokens", "0"));
        double rampUp = Double.parseDouble(o.getOrDefault("ramp-up-s", "0"));
        double outputRange = Double.parseDouble(o.getOrDefault("output-range", "0"));
        SplittableRandom random = new SplittableRandom(Long.parseLong(o.getOrDefault("seed", "1")));

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("requests_per_level", requests);
        report.put("requests_per_worker", perWorker);
        report.put("warmup_requests_per_worker", warmupPerWorker);
        report.put("prompt_words", promptWords);
        report.put("max_tokens", outputTokens);
        report.put("ramp_up_s", rampUp);
        report.put("output_range", outputRange);
        // warm-up: JIT, libtorch kernel choice, connections
        for (int i = 0; i < 2; i++) {
            Sample s = send(null, text(random, promptWords), Math.min(8, outputTokens));
            if (s.error() != null) {
                throw new IllegalStateException("warm-up request failed: " + s.error());
            }
        }
        List<Map<String, Object>> results = new ArrayList<>();
        for (int c : levels) {
            Map<String, Object> l = level(c, Math.max(requests, perWorker * c), warmupPerWorker, promptWords,
                    outputTokens, outputRange, rampUp, random);
            results.add(l);
            System.out.printf("  concurrency %d done: %.1f output tok/s, TTFT p50/p90/p99 %s ms%n", c,
                    l.get("output_tokens_per_s"), ms(l, "ttft"));
        }
        report.put("levels", results);
        if (levels.length >= 2) {
            Map<String, Object> first = results.get(0);
            Map<String, Object> last = results.get(results.size() - 1);
            Map<String, Object> ratios = new LinkedHashMap<>();
            ratios.put("output_throughput_ratio", (double) last.get("output_tokens_per_s")
                    / (double) first.get("output_tokens_per_s"));
            ratios.put("overall_output_throughput_ratio", (double) last.get("overall_output_tokens_per_s")
                    / (double) first.get("overall_output_tokens_per_s"));
            ratios.put("ttft_p99_over_single_ttft_p50", pct(last, "ttft", "p99") / pct(first, "ttft", "p50"));
            ratios.put("compared", "concurrency " + last.get("concurrency") + " vs " + first.get("concurrency"));
            report.put("ratios", ratios);
        }
        if (systemWords > 0) {
            report.put("shared_prefix", sharedPrefix(systemWords, outputTokens, random));
        }
        if (ignoreEosNote != null) {
            report.put("ignore_eos", ignoreEosNote);
        }
        return report;
    }

    @SuppressWarnings("unchecked")
    private static double pct(Map<String, Object> level, String metric, String p) {
        return (double) ((Map<String, Object>) level.get(metric + "_s")).get(p);
    }

    /**
     * N measured requests, C in flight at any time (a closed loop: each worker sends its next when one ends), after
     * W x C warm-up requests in the same loop. Warm-up takes the level from a cold start (workers ramping up, the
     * JIT compiling the batch's code paths) to C streams in flight; latencies count measured requests only, and
     * the throughput is taken over the window where all C workers are busy with measured-phase traffic: from the
     * first measured request (or the last worker's first request, if later) to the moment the first worker finds
     * no request left. The whole span, drain included, is reported too.
     */
    private Map<String, Object> level(int concurrency, int requests, int warmupPerWorker, int promptWords,
            int outputTokens, double outputRange, double rampUp, SplittableRandom random) throws Exception {
        int warm = warmupPerWorker * concurrency;
        int total = warm + requests;
        List<String> prompts = new ArrayList<>();
        int[] lengths = new int[total];
        for (int i = 0; i < total; i++) {
            prompts.add(text(random, promptWords));
            // equal lengths keep a closed loop in lockstep (all finish, then all prefill, together): vary them
            int spread = (int) Math.round(outputTokens * outputRange);
            lengths[i] = Math.max(1, outputTokens - spread + (spread > 0 ? random.nextInt(2 * spread + 1) : 0));
        }
        AtomicInteger next = new AtomicInteger();
        AtomicLong lastWorkerStart = new AtomicLong(Long.MIN_VALUE);
        AtomicLong firstMeasured = new AtomicLong(Long.MAX_VALUE);
        AtomicLong firstIdle = new AtomicLong(Long.MAX_VALUE);
        Sample[] samples = new Sample[total];
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                long startDelay = (long) (rampUp * 1e9 * w / concurrency);
                workers.add(pool.submit(() -> {
                    // staggered starts: C simultaneous prompts would all wait for one big prefill, then stay in step
                    Thread.sleep(java.time.Duration.ofNanos(startDelay));
                    lastWorkerStart.accumulateAndGet(System.nanoTime(), Math::max);
                    int i;
                    while ((i = next.getAndIncrement()) < total) {
                        if (i >= warm) {
                            firstMeasured.accumulateAndGet(System.nanoTime(), Math::min);
                        }
                        samples[i] = send(null, prompts.get(i), lengths[i]);
                    }
                    firstIdle.accumulateAndGet(System.nanoTime(), Math::min);
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
        }
        List<Sample> all = Arrays.asList(samples);
        List<Sample> measured = all.subList(warm, total);
        List<Sample> ok = measured.stream().filter(s -> s.error() == null).toList();
        long spanStart = firstMeasured.get();
        long spanEnd = ok.stream().mapToLong(s -> s.sentNanos() + (long) (s.e2e() * 1e9)).max().orElse(spanStart);
        double span = Math.max(1e-9, (spanEnd - spanStart) / 1e9);
        long from = Math.max(spanStart, lastWorkerStart.get());
        long to = firstIdle.get();
        long out = ok.stream().mapToLong(Sample::outputTokens).sum();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("concurrency", concurrency);
        r.put("warmup_requests", warm);
        r.put("requests", requests);
        r.put("completed", ok.size());
        r.put("failed", measured.size() - ok.size());
        all.stream().filter(s -> s.error() != null).findFirst().ifPresent(s -> r.put("first_error", s.error()));
        r.put("duration_s", span);
        r.put("output_tokens", out);
        r.put("mean_prompt_tokens", ok.stream().mapToInt(Sample::promptTokens).average().orElse(0));
        if (to > from) {
            double window = (to - from) / 1e9;
            double tokens = all.stream().mapToDouble(s -> s.tokensBetween(from, to)).sum();
            r.put("steady_window_s", window);
            r.put("output_tokens_per_s", tokens / window);
        } else {
            // fewer measured requests than workers: no moment with all C busy on measured traffic
            r.put("steady_window_s", 0.0);
            r.put("output_tokens_per_s", out / span);
        }
        r.put("overall_output_tokens_per_s", out / span);
        r.put("requests_per_s", ok.size() / span);
        r.put("ttft_s", percentiles(ok.stream().mapToDouble(Sample::ttft).toArray()));
        r.put("tpot_s", percentiles(ok.stream().mapToDouble(Sample::tpot).filter(d -> !Double.isNaN(d)).toArray()));
        r.put("itl_s", percentiles(ok.stream().flatMapToDouble(s -> Arrays.stream(s.itl())).toArray()));
        return r;
    }

    /** A fixed system prompt of about {@code words} tokens: the first request computes it, the second reuses it. */
    private Map<String, Object> sharedPrefix(int words, int outputTokens, SplittableRandom random) throws Exception {
        String system = text(new SplittableRandom(words * 31L + random.nextInt()), words);
        Sample first = send(system, text(random, 12), outputTokens);
        Sample second = send(system, text(random, 12), outputTokens);
        if (first.error() != null || second.error() != null) {
            throw new IllegalStateException("shared-prefix request failed: "
                    + (first.error() != null ? first.error() : second.error()));
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("system_words", words);
        r.put("prompt_tokens", first.promptTokens());
        r.put("first_ttft_s", first.ttft());
        r.put("second_ttft_s", second.ttft());
        r.put("second_cached_tokens", second.cachedTokens());
        r.put("ttft_ratio_first_over_second", first.ttft() / second.ttft());
        return r;
    }

    private static String text(SplittableRandom r, int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(WORDS[r.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    private Sample send(String system, String user, int maxTokens) {
        ObjectNode body = JSON.createObjectNode();
        if (model != null) {
            body.put("model", model);
        }
        ArrayNode messages = body.putArray("messages");
        if (system != null) {
            messages.addObject().put("role", "system").put("content", system);
        }
        messages.addObject().put("role", "user").put("content", user);
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        if (ignoreEos) {
            body.put("ignore_eos", true);
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(endpoint).timeout(Duration.ofMinutes(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (apiKey != null && !apiKey.isBlank()) {
            req.header("Authorization", "Bearer " + apiKey);
        }
        long t0 = System.nanoTime();
        try {
            HttpResponse<Stream<String>> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofLines());
            if (resp.statusCode() != 200) {
                String err = String.join("\n", resp.body().toList());
                if (resp.statusCode() == 400 && ignoreEos && err.contains("ignore_eos")) {
                    ignoreEos = false;
                    ignoreEosNote = "the server rejected ignore_eos; outputs may end before max_tokens";
                    return send(system, user, maxTokens);
                }
                return Sample.failed("HTTP " + resp.statusCode() + ": " + err, t0);
            }
            double ttft = -1;
            double last = 0;
            List<Double> itl = new ArrayList<>();
            List<Long> arrivals = new ArrayList<>();
            int chunksWithText = 0;
            int completion = -1;
            int prompt = 0;
            int cached = 0;
            String error = null;
            for (String line : (Iterable<String>) resp.body()::iterator) {
                if (!line.startsWith("data:")) {
                    continue;
                }
                String data = line.substring(5).trim();
                if (data.equals("[DONE]")) {
                    break;
                }
                long nowNanos = System.nanoTime();
                double now = (nowNanos - t0) / 1e9;
                JsonNode chunk = JSON.readTree(data);
                if (chunk.has("error")) {
                    error = chunk.get("error").toString();
                    continue;
                }
                JsonNode choices = chunk.path("choices");
                if (choices.size() > 0 && !choices.get(0).path("delta").path("content").asText("").isEmpty()) {
                    if (ttft < 0) {
                        ttft = now;
                    } else {
                        itl.add(now - last);
                    }
                    last = now;
                    arrivals.add(nowNanos);
                    chunksWithText++;
                }
                JsonNode usage = chunk.path("usage");
                if (usage.isObject()) {
                    completion = usage.path("completion_tokens").asInt();
                    prompt = usage.path("prompt_tokens").asInt();
                    cached = usage.path("prompt_tokens_details").path("cached_tokens").asInt(0);
                }
            }
            double e2e = (System.nanoTime() - t0) / 1e9;
            if (error == null && ttft < 0) {
                error = "no content in the stream";
            }
            return new Sample(ttft, e2e, completion >= 0 ? completion : chunksWithText, prompt, cached,
                    itl.stream().mapToDouble(Double::doubleValue).toArray(), error, t0,
                    arrivals.stream().mapToLong(Long::longValue).toArray());
        } catch (IOException | InterruptedException e) {
            return Sample.failed(e.toString(), t0);
        }
    }

    static Map<String, Object> percentiles(double[] v) {
        Map<String, Object> m = new LinkedHashMap<>();
        double[] s = v.clone();
        Arrays.sort(s);
        m.put("mean", s.length == 0 ? Double.NaN : Arrays.stream(s).average().orElse(Double.NaN));
        m.put("p50", quantile(s, 0.50));
        m.put("p90", quantile(s, 0.90));
        m.put("p99", quantile(s, 0.99));
        return m;
    }

    /** Linear interpolation between closest ranks; NaN when empty. */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    @SuppressWarnings("unchecked")
    private String text(Map<String, Object> report) {
        StringBuilder sb = new StringBuilder();
        sb.append("Serving benchmark against ").append(report.get("url")).append('\n');
        if (report.get("server") != null) {
            sb.append("  server: ").append(report.get("server")).append('\n');
        }
        sb.append(String.format("  at least %d requests per level and %d per worker after %d warm-up per worker, prompt"
                + " ~%s words, max_tokens %s, ramp-up %s s%n", report.get("requests_per_level"),
                report.get("requests_per_worker"), report.get("warmup_requests_per_worker"), report.get("prompt_words"),
                report.get("max_tokens"), report.get("ramp_up_s")));
        sb.append("  out tok/s: while all workers are busy; overall: first measured request to last, drain included\n");
        sb.append(String.format("%5s %6s %9s %8s %8s %8s | %-26s | %-26s | %-26s%n", "conc", "ok", "out tok/s",
                "overall", "req/s", "prompt", "TTFT ms p50/p90/p99", "TPOT ms p50/p90/p99", "ITL ms p50/p90/p99"));
        for (Map<String, Object> l : (List<Map<String, Object>>) report.get("levels")) {
            sb.append(String.format("%5d %6s %9.1f %8.1f %8.2f %8.1f | %-26s | %-26s | %-26s%n",
                    l.get("concurrency"), l.get("completed") + "/" + l.get("requests"), l.get("output_tokens_per_s"),
                    l.get("overall_output_tokens_per_s"), l.get("requests_per_s"), l.get("mean_prompt_tokens"),
                    ms(l, "ttft"), ms(l, "tpot"), ms(l, "itl")));
            if (l.containsKey("first_error")) {
                sb.append("      first error: ").append(l.get("first_error")).append('\n');
            }
        }
        if (report.containsKey("ratios")) {
            Map<String, Object> r = (Map<String, Object>) report.get("ratios");
            sb.append(String.format("  %s: output tok/s x%.2f (overall x%.2f),"
                    + " TTFT p99 / single-stream TTFT p50 = %.2f%n", r.get("compared"),
                    r.get("output_throughput_ratio"), r.get("overall_output_throughput_ratio"),
                    r.get("ttft_p99_over_single_ttft_p50")));
        }
        if (report.containsKey("shared_prefix")) {
            Map<String, Object> p = (Map<String, Object>) report.get("shared_prefix");
            sb.append(String.format("  shared system prompt (%s prompt tokens): first TTFT %.1f ms, second %.1f ms "
                    + "(%s cached tokens): x%.1f%n", p.get("prompt_tokens"), 1000 * (double) p.get("first_ttft_s"),
                    1000 * (double) p.get("second_ttft_s"), p.get("second_cached_tokens"),
                    p.get("ttft_ratio_first_over_second")));
        }
        if (report.containsKey("ignore_eos")) {
            sb.append("  note: ").append(report.get("ignore_eos")).append('\n');
        }
        return sb.toString();
    }

    @SuppressWarnings("unchecked")
    private static String ms(Map<String, Object> level, String metric) {
        Map<String, Object> m = (Map<String, Object>) level.get(metric + "_s");
        return String.format("%.1f/%.1f/%.1f", 1000 * (double) m.get("p50"), 1000 * (double) m.get("p90"),
                1000 * (double) m.get("p99"));
    }

    public static final String USAGE = """
              bench-serve                streaming chat-completions load against any OpenAI-compatible server
                  --url URL              base URL (default http://127.0.0.1:8000); or --start
                  --start                start the packaged server (a child process) on loopback, on a generated checkpoint
                      --server-jar FILE  the server to start (default server/target/quarkus-app/quarkus-run.jar)
                      --preset NAME      tiny | smollm-135m (default smollm-135m); or --model-dir DIR
                      --max-num-seqs N   engine slots (default 16); --max-model-len N (default 2048)
                  --model NAME           model field to send (default: none, the server's only model)
                  --api-key KEY          bearer token (default $OPENAI_API_KEY)
                  --concurrency LIST     comma-separated levels, each run in turn (default 1,16)
                  --requests N           requests per level (default 32; at least K times the concurrency)
                  --requests-per-worker K  at least K measured requests per worker (default 2)
                  --warmup-requests-per-worker W  W x C requests first, in the same closed loop, not measured
                                         (default 1): ramp-up and JIT warm-up stay out of the figures
                  --prompt-tokens N      user prompt length in words, ~1 token each (default 32)
                  --output-tokens N      max_tokens, with ignore_eos so outputs have that length (default 64)
                  --ramp-up-s S          start the C workers of a level evenly over S seconds (default 0: at once)
                  --output-range R       vary max_tokens uniformly within +-R of --output-tokens (default 0)
                  --shared-prefix-tokens N  also send two requests sharing an N-word system prompt: TTFT 1st/2nd
                  --json [FILE]          also print (or write) the report as JSON
            """;
}
