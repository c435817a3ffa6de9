package io.djinn.api;

import io.djinn.common.ApiException;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.djinn.auth.Authenticator;
import io.djinn.auth.Limits;
import io.djinn.auth.RedisKeyStore;
import io.djinn.redis.EmbeddedRedisResource;
import io.djinn.redis.FailurePolicy;
import io.djinn.redis.RedisBackend;
import io.djinn.redis.RedisCalls;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** API keys, admin endpoints, rate-limit headers and 429s against a real Redis that the test starts itself. */
@QuarkusTest
@QuarkusTestResource(value = EmbeddedRedisResource.class, restrictToAnnotatedClass = true, initArgs = {
        @ResourceArg(name = "djinn.admin.token", value = KeysAndLimitsApiTest.ADMIN),
        @ResourceArg(name = "djinn.auth.api-keys", value = KeysAndLimitsApiTest.CONFIG_KEY)})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KeysAndLimitsApiTest {

    static final String ADMIN = "admin-token-for-tests";
    static final String CONFIG_KEY = "sk-config-key-for-tests";
    static final String RESET = "^(\\d+ms|\\d+(\\.\\d+)?s|\\d+m\\d+(\\.\\d+)?s)$";
    static final String CHAT = """
            {"model":"%s","messages":[{"role":"user","content":"Hi there"}],"max_tokens":4,"temperature":0%s}""";

    @TestHTTPResource("/v1")
    URL base;

    @BeforeEach
    void ready() {
        ServerReady.await();
    }

    static RequestSpecification as(String authorization) {
        RequestSpecification r = given();
        return authorization == null ? r : r.header("Authorization", authorization);
    }

    static Response chat(String authorization, String extra) {
        return as(authorization).contentType(ContentType.JSON)
                .body(CHAT.formatted(ChatCompletionsApiTest.MODEL, extra)).post("/v1/chat/completions");
    }

    static RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + ADMIN).contentType(ContentType.JSON);
    }

    /** Creates a managed key; returns {id, secret}. */
    static String[] createKey(String body) {
        Response r = admin().body(body).post("/admin/v1/keys");
        r.then().statusCode(201).body("key", startsWith("sk-djinn-")).body("id", startsWith("key_"))
                .body("object", equalTo("api_key")).body("key_sha256", nullValue());
        return new String[] {r.path("id"), r.path("key")};
    }

    @Test
    @Order(1)
    void missingWrongAndMalformedKeysGet401AndHealthStaysOpen() {
        for (String header : new String[] {null, "Bearer wrong-key", "Api-Key wrong-key", "Bearer", "Basic abc",
                "Bearer two words", CONFIG_KEY, "Bearer " + ADMIN}) {
            for (String path : List.of("/v1/models", "/v1/chat/completions")) {
                var req = as(header).contentType(ContentType.JSON).body(CHAT.formatted("x", ""));
                (path.endsWith("models") ? req.get(path) : req.post(path)).then().statusCode(401)
                        .contentType(ContentType.JSON).header("WWW-Authenticate", "Bearer")
                        .body("error.type", equalTo("invalid_request_error"))
                        .body("error.code", equalTo("invalid_api_key"))
                        .body("error.message", notNullValue()).body("error", org.hamcrest.Matchers.hasKey("param"));
            }
        }
        given().get("/health").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
        as("Bearer " + CONFIG_KEY).get("/v1/models").then().statusCode(200);
        as("Api-Key " + CONFIG_KEY).get("/v1/models").then().statusCode(200);
        chat("api-key " + CONFIG_KEY, "").then().statusCode(200).body("object", equalTo("chat.completion"));
    }

    @Test
    @Order(2)
    void adminEndpointsNeedTheAdminToken() {
        for (String header : new String[] {null, "Bearer " + CONFIG_KEY, "Bearer wrong", "Basic x"}) {
            as(header).get("/admin/v1/keys").then().statusCode(401).body("error.code", equalTo("invalid_admin_token"));
            as(header).contentType(ContentType.JSON).body("{\"owner\":\"x\"}").post("/admin/v1/keys")
                    .then().statusCode(401);
            as(header).get("/admin/v1/usage?key=key_x").then().statusCode(401);
        }
        admin().get("/admin/v1/keys").then().statusCode(200).body("object", equalTo("list"));
        admin().body("{\"owner\":\"x\",\"requests_per_minute\":-1}").post("/admin/v1/keys").then().statusCode(400)
                .body("error.param", equalTo("requests_per_minute"));
        admin().body("{\"requests_per_minute\":1}").post("/admin/v1/keys").then().statusCode(400)
                .body("error.param", equalTo("owner"));
        admin().get("/admin/v1/keys/key_0000000000000000").then().statusCode(404)
                .body("error.code", equalTo("key_not_found"));
    }

    @Test
    @Order(3)
    void managedKeyCarriesHeadersThen429sAndIsMetered() throws Exception {
        String[] key = createKey("""
                {"owner":"acme","tier":"gold","requests_per_minute":3,"tokens_per_minute":100000,
                 "max_concurrent_requests":4,"models":["%s"]}""".formatted(ChatCompletionsApiTest.MODEL));
        String bearer = "Bearer " + key[1];
        admin().get("/admin/v1/keys").then().statusCode(200).body("data.id", hasItem(key[0]))
                .body("data.key", everyItem(nullValue()));
        admin().get("/admin/v1/keys/" + key[0]).then().statusCode(200).body("owner", equalTo("acme"))
                .body("tier", equalTo("gold")).body("requests_per_minute", equalTo(3))
                .body("models", equalTo(List.of(ChatCompletionsApiTest.MODEL))).body("key", nullValue());

        List<Integer> prompt = new ArrayList<>();
        List<Integer> completion = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Response r = chat(bearer, "");
            r.then().statusCode(200).header("x-ratelimit-limit-requests", "3")
                    .header("x-ratelimit-remaining-requests", String.valueOf(2 - i))
                    .header("x-ratelimit-reset-requests", matchesPattern(RESET))
                    .header("x-ratelimit-limit-tokens", "100000")
                    .header("x-ratelimit-reset-tokens", matchesPattern(RESET));
            long tokensLeft = Long.parseLong(r.header("x-ratelimit-remaining-tokens"));
            assertTrue(tokensLeft < 100000 && tokensLeft > 90000, "tokens remaining " + tokensLeft);
            prompt.add(r.path("usage.prompt_tokens"));
            completion.add(r.path("usage.completion_tokens"));
        }
        // A streamed reply decides its headers before the first event, with the same figures.
        Response streamed = chat("Api-Key " + key[1], ",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
        streamed.then().statusCode(200).contentType(startsWith("text/event-stream"))
                .header("x-ratelimit-remaining-requests", "0").header("x-ratelimit-limit-tokens", "100000");
        List<com.fasterxml.jackson.databind.JsonNode> events = SseEvents.chunks(streamed.asString());
        var usage = events.getLast().get("usage");
        prompt.add(usage.get("prompt_tokens").asInt());
        completion.add(usage.get("completion_tokens").asInt());

        Response refused = chat(bearer, "");
        refused.then().statusCode(429).contentType(ContentType.JSON)
                .body("error.type", equalTo("requests")).body("error.code", equalTo("rate_limit_exceeded"))
                .body("error.message", startsWith("Rate limit reached for requests per min"))
                .header("x-ratelimit-limit-requests", "3").header("x-ratelimit-remaining-requests", "0")
                .header("x-ratelimit-reset-requests", matchesPattern(RESET));
        int retryAfter = Integer.parseInt(refused.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 20, "Retry-After " + retryAfter);

        // The official SDK surfaces the 429 as its RateLimitException.
        var sdk = OpenAIOkHttpClient.builder().baseUrl(base.toString()).apiKey(key[1]).maxRetries(0).build();
        RateLimitException e = assertThrows(RateLimitException.class, () -> sdk.chat().completions().create(
                ChatCompletionCreateParams.builder().model(ChatCompletionsApiTest.MODEL).addUserMessage("Hi")
                        .maxCompletionTokens(4).build()));
        assertEquals(429, e.statusCode());
        assertEquals(List.of("0"), e.headers().values("x-ratelimit-remaining-requests"));

        // Usage of the three served requests (settled asynchronously after each reply).
        int prompts = prompt.stream().mapToInt(Integer::intValue).sum();
        int completions = completion.stream().mapToInt(Integer::intValue).sum();
        long deadline = System.nanoTime() + 10_000_000_000L;
        Response u;
        do {
            u = admin().get("/admin/v1/usage?key=" + key[0]);
            u.then().statusCode(200);
        } while (!Integer.valueOf(3).equals(u.path("by_model.'" + ChatCompletionsApiTest.MODEL + "'.requests"))
                && System.nanoTime() < deadline);
        String m = "by_model.'" + ChatCompletionsApiTest.MODEL + "'.";
        u.then().body(m + "requests", equalTo(3)).body(m + "prompt_tokens", equalTo(prompts))
                .body(m + "completion_tokens", equalTo(completions))
                .body("by_service_tier.default.total_tokens", equalTo(prompts + completions))
                .body("priority_tokens_with_surcharge", equalTo(0));

        // Raising the limit applies at once.
        admin().body("{\"requests_per_minute\":1000}").patch("/admin/v1/keys/" + key[0]).then().statusCode(200)
                .body("requests_per_minute", equalTo(1000)).body("tokens_per_minute", equalTo(100000));
        chat(bearer, "").then().statusCode(200).header("x-ratelimit-limit-requests", "1000");
    }

    @Test
    @Order(4)
    void aKeyLimitedToOtherModelsIsRefusedThisOne() {
        String[] key = createKey("{\"owner\":\"acme\",\"models\":[\"some-other-model\"]}");
        chat("Bearer " + key[1], "").then().statusCode(404).body("error.code", equalTo("model_not_found"))
                .body("error.param", equalTo("model"));
    }

    @Test
    @Order(5)
    void revokedKeyIsRefusedOnTheNextRequestAtEveryInstance() {
        String[] key = createKey("{\"owner\":\"acme\",\"requests_per_minute\":100}");
        String bearer = "Bearer " + key[1];
        Vertx vertx = Vertx.vertx();
        try {
            // A second replica: its own Vert.x, its own Redis connection, the same Redis.
            var otherReplica = new Authenticator(List.of(), Limits.UNLIMITED, new RedisKeyStore(new RedisCalls(
                    Redis.createClient(vertx, new RedisOptions().setConnectionString(
                            EmbeddedRedisResource.redis.uri())), Duration.ofSeconds(2))),
                    new RedisBackend(Optional.empty(), FailurePolicy.OPEN));
            as(bearer).get("/v1/models").then().statusCode(200);
            assertEquals(key[0], otherReplica.authenticate(bearer).await().atMost(Duration.ofSeconds(5)).keyId());

            admin().delete("/admin/v1/keys/" + key[0]).then().statusCode(200).body("revoked_at", notNullValue());

            as(bearer).get("/v1/models").then().statusCode(401).body("error.code", equalTo("invalid_api_key"));
            chat(bearer, "").then().statusCode(401);
            ApiException refused = assertThrows(ApiException.class,
                    () -> otherReplica.authenticate(bearer).await().atMost(Duration.ofSeconds(5)));
            assertEquals(401, refused.status());
            admin().get("/admin/v1/keys/" + key[0]).then().statusCode(200).body("revoked_at", notNullValue());
        } finally {
            vertx.closeAndAwait();
        }
    }

    /** Last: stops Redis. The test profile runs the default policy, fail-open. */
    /**
     * Responses and legacy completions go through the same admission as chat: rate-limit headers, 429s, usage
     * metering by model; stored responses live in Redis and are visible only to the key that made them.
     */
    @Test
    @Order(6)
    void responsesAndCompletionsAreLimitedMeteredAndPrivate() throws Exception {
        String[] a = createKey("""
                {"owner":"acme","requests_per_minute":3,"tokens_per_minute":100000}""");
        String[] b = createKey("{\"owner\":\"other\"}");
        String model = ChatCompletionsApiTest.MODEL;
        Response created = as("Bearer " + a[1]).contentType(ContentType.JSON).body("""
                {"model":"%s","input":"Hi there","max_output_tokens":3,"temperature":0}""".formatted(model))
                .post("/v1/responses");
        created.then().statusCode(200).header("x-ratelimit-limit-requests", "3")
                .header("x-ratelimit-remaining-requests", "2").header("x-ratelimit-reset-tokens", matchesPattern(RESET));
        Response completion = as("Bearer " + a[1]).contentType(ContentType.JSON).body("""
                {"model":"%s","prompt":"Hi there","max_tokens":3,"temperature":0}""".formatted(model))
                .post("/v1/completions");
        completion.then().statusCode(200).header("x-ratelimit-remaining-requests", "1");
        Response streamed = as("Bearer " + a[1]).contentType(ContentType.JSON).body("""
                {"model":"%s","input":"Hi there","max_output_tokens":3,"temperature":0,"stream":true}"""
                .formatted(model)).post("/v1/responses");
        streamed.then().statusCode(200).header("x-ratelimit-remaining-requests", "0");
        var events = ResponsesApiTest.events(streamed.asString());
        var end = events.getLast().get("response").get("usage");
        as("Bearer " + a[1]).contentType(ContentType.JSON).body("""
                {"model":"%s","prompt":"Hi","max_tokens":1}""".formatted(model)).post("/v1/completions")
                .then().statusCode(429).body("error.code", equalTo("rate_limit_exceeded"));
        as("Bearer " + a[1]).contentType(ContentType.JSON).body("""
                {"model":"%s","input":"Hi","max_output_tokens":1}""".formatted(model)).post("/v1/responses")
                .then().statusCode(429).body("error.code", equalTo("rate_limit_exceeded"));

        int prompts = created.<Integer>path("usage.input_tokens") + completion.<Integer>path("usage.prompt_tokens")
                + end.get("input_tokens").asInt();
        int outputs = created.<Integer>path("usage.output_tokens")
                + completion.<Integer>path("usage.completion_tokens") + end.get("output_tokens").asInt();
        String m = "by_model.'" + model + "'.";
        long deadline = System.nanoTime() + 10_000_000_000L;
        Response u;
        do {
            u = admin().get("/admin/v1/usage?key=" + a[0]);
        } while (!Integer.valueOf(3).equals(u.path(m + "requests")) && System.nanoTime() < deadline);
        u.then().statusCode(200).body(m + "requests", equalTo(3)).body(m + "prompt_tokens", equalTo(prompts))
                .body(m + "completion_tokens", equalTo(outputs));

        // The stored response is in Redis, readable by its key only.
        String id = created.path("id");
        as("Bearer " + a[1]).get("/v1/responses/" + id).then().statusCode(200).body("id", equalTo(id));
        as("Bearer " + b[1]).get("/v1/responses/" + id).then().statusCode(404);
        as("Bearer " + b[1]).get("/v1/responses/" + id + "/input_items").then().statusCode(404);
        as("Bearer " + b[1]).delete("/v1/responses/" + id).then().statusCode(404);
        as("Bearer " + b[1]).contentType(ContentType.JSON).body("""
                {"model":"%s","input":"More","previous_response_id":"%s","max_output_tokens":1}"""
                .formatted(model, id)).post("/v1/responses").then().statusCode(400)
                .body("error.code", equalTo("previous_response_not_found"));
        as("Bearer " + a[1]).get("/v1/responses/" + id).then().statusCode(200);
    }

    @Test
    @Order(100)
    void redisOutageFailsOpenAndServiceResumes() {
        String[] key = createKey("{\"owner\":\"acme\",\"requests_per_minute\":100}");
        String bearer = "Bearer " + key[1];
        chat(bearer, "").then().statusCode(200).header("x-ratelimit-limit-requests", "100");

        EmbeddedRedisResource.redis.stop();
        try {
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                // A key valid at its last lookup keeps working, without limits (so without limit headers).
                chat(bearer, "").then().statusCode(200).header("x-ratelimit-limit-requests", nullValue());
                chat("Bearer " + CONFIG_KEY, "").then().statusCode(200);
                // Nothing can be verified or changed in the store: 503 with Retry-After, never a hang.
                chat("Bearer sk-djinn-never-seen", "").then().statusCode(503).header("Retry-After", "1")
                        .body("error.code", equalTo("auth_unavailable"));
                admin().body("{\"owner\":\"x\"}").post("/admin/v1/keys").then().statusCode(503)
                        .header("Retry-After", notNullValue());
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 5_000, "requests during the outage took " + ms + " ms");
            }
            // Each request served without limits is counted, in the registry /metrics scrapes.
            String metrics = given().get("/metrics").then().statusCode(200).extract().asString();
            double unavailable = metrics.lines().filter(l -> l.startsWith("djinn_redis_unavailable_total{"))
                    .filter(l -> l.contains("policy=\"open\"")).mapToDouble(l -> Double.parseDouble(
                            l.substring(l.lastIndexOf(' ') + 1))).sum();
            assertTrue(unavailable >= 3, "djinn_redis_unavailable_total after the outage: " + unavailable);
        } finally {
            EmbeddedRedisResource.redis.start();
        }
        // Redis came back empty (no persistence in the test server): a new key works with limits again.
        long deadline = System.nanoTime() + 15_000_000_000L;
        int status;
        do {
            status = admin().body("{\"owner\":\"x\"}").post("/admin/v1/keys").statusCode();
        } while (status != 201 && System.nanoTime() < deadline);
        assertEquals(201, status);
        String[] fresh = createKey("{\"owner\":\"acme\",\"requests_per_minute\":7}");
        chat("Bearer " + fresh[1], "").then().statusCode(200).header("x-ratelimit-limit-requests", "7")
                .header("x-ratelimit-remaining-requests", "6");
    }
}
