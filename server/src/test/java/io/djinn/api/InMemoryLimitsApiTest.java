package io.djinn.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The embedded default without Redis: keys, limits and usage served by the in-memory implementation. */
@QuarkusTest
@TestProfile(InMemoryLimitsApiTest.Profile.class)
class InMemoryLimitsApiTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Also the production default for request templates (off), which the default test profile turns on.
            return Map.of("djinn.auth.api-keys", "sk-memory-a,sk-memory-b", "djinn.admin.token", "adm",
                    "djinn.ratelimit.default-requests-per-minute", "2", "djinn.api.allow-request-chat-template",
                    "false");
        }
    }

    @BeforeEach
    void ready() {
        ServerReady.await();
    }

    static Response chat(String key) {
        return given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON).body("""
                {"model":"%s","messages":[{"role":"user","content":"Hi"}],"max_tokens":3}"""
                .formatted(ChatCompletionsApiTest.MODEL)).post("/v1/chat/completions");
    }

    @Test
    void configurationKeysAreLimitedInMemory() {
        given().get("/v1/models").then().statusCode(401).body("error.code", equalTo("invalid_api_key"));
        chat("sk-memory-a").then().statusCode(200).header("x-ratelimit-limit-requests", "2")
                .header("x-ratelimit-remaining-requests", "1")
                .header("x-ratelimit-reset-requests", matchesPattern("^\\d+(\\.\\d+)?s$"));
        chat("sk-memory-a").then().statusCode(200).header("x-ratelimit-remaining-requests", "0");
        chat("sk-memory-a").then().statusCode(429).body("error.type", equalTo("requests"))
                .body("error.code", equalTo("rate_limit_exceeded")).header("Retry-After", matchesPattern("\\d+"));
        // Each configuration key has its own budget.
        chat("sk-memory-b").then().statusCode(200).header("x-ratelimit-remaining-requests", "1");
    }

    @Test
    void managedKeysWorkWithoutRedis() {
        Response created = given().header("Authorization", "Bearer adm").contentType(ContentType.JSON)
                .body("{\"owner\":\"solo\",\"requests_per_minute\":5}").post("/admin/v1/keys");
        created.then().statusCode(201);
        String id = created.path("id");
        chat(created.path("key")).then().statusCode(200).header("x-ratelimit-limit-requests", "5")
                .header("x-ratelimit-remaining-requests", "4");
        long deadline = System.nanoTime() + 10_000_000_000L;
        Response u;
        do {
            u = given().header("Authorization", "Bearer adm").get("/admin/v1/usage?key=" + id);
        } while (!Integer.valueOf(1).equals(u.path("by_service_tier.default.requests")) && System.nanoTime() < deadline);
        u.then().statusCode(200).body("key", equalTo(id)).body("by_service_tier.default.requests", equalTo(1));
        given().header("Authorization", "Bearer adm").delete("/admin/v1/keys/" + id).then().statusCode(200);
        chat(created.path("key")).then().statusCode(401);
    }

    /** Issue 16 item 4: with djinn.api.allow-request-chat-template off, a request's chat_template is a 400. */
    @Test
    void requestChatTemplateIsRefusedByDefault() {
        Response created = given().header("Authorization", "Bearer adm").contentType(ContentType.JSON)
                .body("{\"owner\":\"templates\",\"requests_per_minute\":100}").post("/admin/v1/keys");
        created.then().statusCode(201);
        String key = created.path("key");
        for (String path : new String[] {"/v1/chat/completions", "/tokenize"}) {
            given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON).body("""
                    {"messages":[{"role":"user","content":"Hi"}],"max_tokens":3,"chat_template":"{{ 'x' }}"}""")
                    .post(path).then().statusCode(400)
                    .body("error.type", equalTo("invalid_request_error"))
                    .body("error.param", equalTo("chat_template"))
                    .body("error.code", equalTo("chat_template_not_allowed"))
                    .body("error.message", containsString("djinn.api.allow-request-chat-template"));
        }
        // Without it the same request is served with the model's own template.
        given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON).body("""
                {"messages":[{"role":"user","content":"Hi"}],"max_tokens":3}""")
                .post("/v1/chat/completions").then().statusCode(200);
    }
}
