package io.djinn.api;

import io.djinn.common.Json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sends 100,000 malformed and adversarial bodies ({@link MalformedBodies}) to the running server's chat completions,
 * and 10,000 each to /v1/responses and /v1/completions. Every answer must
 * come within the timeout, never be a 5xx or a 422, and be either a real completion or an OpenAI-shaped error.
 */
@QuarkusTest
class RequestFuzzTest {

    static final int BODIES = Integer.getInteger("fuzz.bodies", 100_000);
    static final int CLIENTS = 4;
    /** Families of how a body is sent, by the body's number modulo 10. */
    static final int CHUNKED = 7;
    static final int ROUTE_VARIANT = 9;
    /** The chat route as clients and probes spell it: all the same route, or none. */
    static final String[] ROUTE_VARIANTS = {"/v1/chat/completions/", "/v1/chat/%63ompletions",
        "/v1/x/../chat/completions", "/v1/chat/./completions", "/v1/chat/completions//", "/v1/chat%2Fcompletions"};

    @TestHTTPResource("/v1/chat/completions")
    URI chat;

    @TestHTTPResource("/v1/responses")
    URI responses;

    @TestHTTPResource("/v1/completions")
    URI completions;

    @BeforeEach
    void ready() {
        ServerReady.await();
    }

    @Test
    void everyMalformedBodyGetsAnOpenAiShapedAnswer() throws Exception {
        fuzz(MalformedBodies.Endpoint.CHAT, chat, BODIES);
    }

    /**
     * The same kinds of bodies shaped for /v1/responses and /v1/completions (a tenth as many each: they share the
     * parser and the chat-completions rules, so the suite stays fast).
     */
    @Test
    void responsesAndCompletionsAnswerMalformedBodiesTheSameWay() throws Exception {
        fuzz(MalformedBodies.Endpoint.RESPONSES, responses, BODIES / 10);
        fuzz(MalformedBodies.Endpoint.COMPLETIONS, completions, BODIES / 10);
    }

    private void fuzz(MalformedBodies.Endpoint endpoint, URI target, int count) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        Map<String, LongAdder> codes = new ConcurrentHashMap<>();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        java.util.concurrent.atomic.AtomicLong slowest = new java.util.concurrent.atomic.AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> workers = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int worker = c;
            workers.add(pool.submit(() -> {
                MalformedBodies bodies = new MalformedBodies(20261122L + worker, endpoint);
                int i;
                while ((i = next.getAndIncrement()) < count && failures.size() < 20) {
                    byte[] body = bodies.next();
                    long t0 = System.nanoTime();
                    try {
                        // Two families on top of the bodies (issue 16): every 10th body is sent chunked, every
                        // 10th to a variant of the route (trailing slash, encoded letter, dot segment).
                        int family = i % 10;
                        byte[] sent = body;
                        HttpRequest.BodyPublisher publisher = family == CHUNKED
                                ? HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(sent))
                                : HttpRequest.BodyPublishers.ofByteArray(body);
                        URI sentTo = family == ROUTE_VARIANT && target.equals(chat) ? chat.resolve(
                                ROUTE_VARIANTS[(i / 10) % ROUTE_VARIANTS.length]) : target;
                        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(sentTo)
                                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                                .POST(publisher).build(),
                                HttpResponse.BodyHandlers.ofByteArray());
                        statuses.computeIfAbsent(r.statusCode(), k -> new LongAdder()).increment();
                        slowest.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                        String problem = check(r, codes);
                        if (problem != null) {
                            failures.add(problem + " for body " + preview(body));
                        }
                    } catch (java.net.http.HttpTimeoutException e) {
                        failures.add("no answer within 30 s for body " + preview(body));
                    } catch (Exception e) {
                        failures.add(e + " for body " + preview(body));
                    }
                }
                return null;
            }));
        }
        for (Future<?> w : workers) {
            w.get();
        }
        pool.shutdown();
        System.out.println("fuzz " + endpoint + " statuses " + new TreeMap<>(statuses) + "; error codes " + new TreeMap<>(codes)
                + "; slowest answer " + slowest.get() + " ms");
        if (!failures.isEmpty()) {
            fail(failures.size() + " bad answers, first: " + String.join("\n", failures.subList(0,
                    Math.min(5, failures.size()))));
        }
        long answered = statuses.values().stream().mapToLong(LongAdder::sum).sum();
        assertEquals(count, answered);
        assertTrue(statuses.keySet().stream().allMatch(s -> s == 200 || s == 400 || s == 404 || s == 413),
                "statuses " + statuses.keySet());
        assertTrue(statuses.get(400).sum() > count / 2, "most bodies are invalid");
    }

    static final int ADVERSARIAL = Integer.getInteger("fuzz.adversarial", 150);

    @TestHTTPResource("/")
    URI root;

    /**
     * Issue 16's families ({@link AdversarialBodies}): hostile request templates and oversized fields on chat
     * completions and /tokenize. Every answer is a 200 or an OpenAI-shaped 4xx, the server answers /health after
     * each family, and the process' peak RSS (VmHWM, this JVM serves the app) is reported and bounded.
     */
    @Test
    void templatesAndOversizedFieldsGetOpenAiShapedAnswers() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        AdversarialBodies bodies = new AdversarialBodies(20261205L);
        Map<String, Map<Integer, Integer>> byFamily = new TreeMap<>();
        Map<String, LongAdder> codes = new ConcurrentHashMap<>();
        List<String> failures = new ArrayList<>();
        long slowest = 0;
        for (int i = 0; i < ADVERSARIAL && failures.size() < 10; i++) {
            AdversarialBodies.Body body = bodies.next();
            long t0 = System.nanoTime();
            HttpResponse<byte[]> r;
            try {
                r = client.send(HttpRequest.newBuilder(root.resolve(body.path())).timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.json())).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
            } catch (java.net.http.HttpTimeoutException e) {
                failures.add("no answer within 30 s (" + body.family() + ") for " + preview(body.json()));
                continue;
            }
            slowest = Math.max(slowest, (System.nanoTime() - t0) / 1_000_000);
            byFamily.computeIfAbsent(body.family(), k -> new TreeMap<>()).merge(r.statusCode(), 1, Integer::sum);
            String problem = r.statusCode() == 200 ? null : check(r, codes);
            if (r.statusCode() == 200 && !new String(r.body(), StandardCharsets.UTF_8).contains("\"")) {
                problem = "200 that is not JSON";
            }
            if (problem != null) {
                failures.add(problem + " (" + body.family() + ") for " + preview(body.json()));
            }
            if (i % 50 == 49) {
                HttpResponse<String> health = client.send(HttpRequest.newBuilder(root.resolve("/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, health.statusCode(), "the server answers after " + (i + 1) + " bodies");
            }
        }
        long peakRssMb = peakRssKb() / 1024;
        System.out.println("adversarial fuzz statuses by family " + byFamily + "; error codes " + new TreeMap<>(codes)
                + "; slowest answer " + slowest + " ms; peak RSS " + peakRssMb + " MiB");
        if (!failures.isEmpty()) {
            fail(failures.size() + " bad answers, first: " + String.join("\n", failures.subList(0,
                    Math.min(5, failures.size()))));
        }
        assertTrue(byFamily.keySet().containsAll(List.of("templates", "oversized fields")), byFamily.toString());
        assertTrue(byFamily.values().stream().flatMap(m -> m.keySet().stream()).allMatch(s -> s < 500),
                byFamily.toString());
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(root.resolve("/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        // The 24-fold doubling of issue 16 took RSS from 0.33 to 4.4 GB; nothing here may come near that.
        assertTrue(peakRssMb < 4096, "peak RSS " + peakRssMb + " MiB");
    }

    /** Peak resident set of this JVM (which serves the app under test), or 0 where /proc is not there. */
    private static long peakRssKb() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            // not Linux: no figure
        }
        return 0;
    }

    /** Null when the answer is acceptable, else what is wrong with it. */
    private static String check(HttpResponse<byte[]> r, Map<String, LongAdder> codes) {
        int status = r.statusCode();
        String text = new String(r.body(), StandardCharsets.UTF_8);
        if (status >= 500 || status == 422) {
            return "status " + status + ": " + abbreviate(text);
        }
        if (status == 200) {
            if (text.startsWith("data: ")) {
                return text.endsWith("data: [DONE]\n\n") ? null : "stream without [DONE]: " + abbreviate(text);
            }
            if (text.startsWith("event: ")) {
                // A Responses stream ends with its final response event (or an in-band error).
                int last = text.lastIndexOf("event: ");
                String end = text.substring(last, text.indexOf('\n', last));
                return text.endsWith("\n\n") && java.util.Set.of("event: response.completed",
                        "event: response.incomplete", "event: error").contains(end) ? null
                        : "responses stream that does not end with its response: " + abbreviate(text);
            }
            try {
                JsonNode completion = Json.MAPPER.readTree(text);
                return java.util.Set.of("chat.completion", "response", "text_completion")
                        .contains(completion.path("object").asText()) ? null
                        : "200 that is not a completion: " + abbreviate(text);
            } catch (Exception e) {
                return "200 that is not JSON: " + abbreviate(text);
            }
        }
        try {
            JsonNode error = Json.MAPPER.readTree(text).get("error");
            if (error == null || !error.path("message").isTextual() || !error.path("type").isTextual()
                    || !error.path("code").isTextual() || !(error.has("param") && (error.get("param").isNull()
                            || error.get("param").isTextual()))) {
                return "status " + status + " without an OpenAI error: " + abbreviate(text);
            }
            codes.computeIfAbsent(error.get("code").asText(), k -> new LongAdder()).increment();
            return null;
        } catch (Exception e) {
            return "status " + status + " body is not JSON: " + abbreviate(text);
        }
    }

    private static String preview(byte[] body) {
        return abbreviate(new String(body, StandardCharsets.UTF_8));
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "...(" + s.length() + " chars)" : s;
    }
}
