package io.djinn.api;

import io.djinn.common.Json;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Body size, message count and content length limits, and model aliases, all answered in OpenAI's shape. */
@QuarkusTest
class RequestLimitsTest {

    @TestHTTPResource("/v1/chat/completions")
    URI chat;

    @BeforeEach
    void ready() {
        ServerReady.await();
    }

    private static String bigBody(int bytes) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(bytes) + "\"}],\"max_tokens\":1}";
    }

    @Test
    void declaredOversizedBodyIs413InOpenAiShape() {
        given().contentType(ContentType.JSON).body(bigBody(11 * 1024 * 1024)).post("/v1/chat/completions")
                .then().statusCode(413).contentType(ContentType.JSON)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("request_too_large"))
                .body("error.message", containsString("10485760"));
    }

    @Test
    void chunkedOversizedBodyIs413InOpenAiShape() throws Exception {
        byte[] body = bigBody(11 * 1024 * 1024).getBytes(StandardCharsets.UTF_8);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        // ofInputStream has no known length, so the client sends it chunked, without Content-Length.
        HttpRequest request = HttpRequest.newBuilder(chat).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            // The server may close the connection while the client is still sending; retry once with a new one.
            response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        }
        assertEquals(413, response.statusCode(), response.body());
        JsonNode error = Json.MAPPER.readTree(response.body()).get("error");
        assertEquals("request_too_large", error.get("code").asText());
        assertEquals("invalid_request_error", error.get("type").asText());

        // A chunked body within the limit is served as usual.
        byte[] small = bigBody(100).getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> ok = client.send(HttpRequest.newBuilder(chat).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(small))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("chat.completion", Json.MAPPER.readTree(ok.body()).get("object").asText());
    }

    @Test
    void tooManyMessagesIs400NamingMessages() {
        StringBuilder sb = new StringBuilder("{\"max_tokens\":1,\"messages\":[");
        for (int i = 0; i < 2049; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":\"hi\"}");
        }
        given().contentType(ContentType.JSON).body(sb.append("]}").toString()).post("/v1/chat/completions")
                .then().statusCode(400)
                .body("error.param", equalTo("messages"))
                .body("error.code", equalTo("too_many_messages"))
                .body("error.message", containsString("2049"))
                .body("error.message", containsString("2048"));
    }

    @Test
    void tooMuchContentIs400NamingMessages() {
        // Two text parts of 1,000,001 characters each: over the 2,000,000 limit only together.
        String part = "{\"type\":\"text\",\"text\":\"" + "b".repeat(1_000_001) + "\"}";
        given().contentType(ContentType.JSON)
                .body("{\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":[" + part + "," + part + "]}]}")
                .post("/v1/chat/completions")
                .then().statusCode(400)
                .body("error.param", equalTo("messages"))
                .body("error.code", equalTo("content_too_long"))
                .body("error.message", containsString("2000002"));
    }

    @Test
    void aliasesAreListedAndServed() {
        given().get("/v1/models").then().statusCode(200)
                .body("data", hasSize(3))
                .body("data.id", hasItems("djinn-tiny-llama", "acme/tiny-llama", "acme/tiny-llama:v1"))
                .body("data.root", hasItems("djinn-tiny-llama"));
        given().get("/v1/models/acme/tiny-llama:v1").then().statusCode(200)
                .body("id", equalTo("acme/tiny-llama:v1"))
                .body("root", equalTo("djinn-tiny-llama"));
        given().get("/v1/models/acme/other").then().statusCode(404).body("error.code", equalTo("model_not_found"));
        for (String name : new String[] {"acme/tiny-llama", "acme/tiny-llama:v1"}) {
            String model = given().contentType(ContentType.JSON)
                    .body("{\"model\":\"" + name + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                            + "\"max_tokens\":1}")
                    .post("/v1/chat/completions").then().statusCode(200).extract().path("model");
            assertEquals("djinn-tiny-llama", model, "responses report the model's id");
        }
        given().contentType(ContentType.JSON)
                .body("{\"model\":\"acme/tiny-llama:v2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .post("/v1/chat/completions").then().statusCode(404)
                .body("error.param", equalTo("model"));
    }
}
