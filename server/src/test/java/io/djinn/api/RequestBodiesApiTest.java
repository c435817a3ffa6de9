package io.djinn.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.djinn.common.Json;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How request bodies are read and typed (issue 16 items 6, 7, 10): chunked bodies read exactly as sized ones on
 * every endpoint, JSON types are never coerced, non-JSON bodies get 415, and every n the API allows is served.
 */
@QuarkusTest
class RequestBodiesApiTest {

    static final String MODEL = ChatCompletionsApiTest.MODEL;
    /** The test application's body limit (quarkus.http.limits.max-body-size, default 10M). */
    static final int LIMIT = 10 * 1024 * 1024;

    @TestHTTPResource("/")
    URL base;

    @BeforeEach
    void ready() {
        ServerReady.await();
    }

    /** A valid body of exactly {@code size} bytes: the JSON, padded with insignificant whitespace. */
    static byte[] padded(String json, int size) {
        byte[] core = json.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[Math.max(size, core.length)];
        Arrays.fill(out, (byte) ' ');
        System.arraycopy(core, 0, out, 0, core.length - 1);
        out[out.length - 1] = '}'; // the closing brace last, the padding before it
        return out;
    }

    HttpResponse<String> post(String path, byte[] body, boolean chunked) throws Exception {
        HttpRequest.BodyPublisher publisher = chunked
                // no length known up front: java.net.http sends Transfer-Encoding: chunked
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                : HttpRequest.BodyPublishers.ofByteArray(body);
        HttpRequest request = HttpRequest.newBuilder(URI.create(base.toString()).resolve(path))
                .header("Content-Type", "application/json").POST(publisher).build();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void chunkedBodiesReadAsSizedOnesOnEveryEndpoint() throws Exception {
        String chat = """
                {"model":"%s","messages":[{"role":"user","content":"Count to three"}],"max_tokens":6,
                 "temperature":0,"ignore_eos":true}""".formatted(MODEL);
        String tokenize = """
                {"model":"%s","messages":[{"role":"user","content":"Count to three"}]}""".formatted(MODEL);
        for (int size : new int[] {12 * 1024, 200 * 1024}) {
            for (String[] route : new String[][] {{"v1/chat/completions", chat}, {"tokenize", tokenize}}) {
                byte[] body = padded(route[1], size);
                HttpResponse<String> sized = post(route[0], body, false);
                HttpResponse<String> chunked = post(route[0], body, true);
                assertEquals(200, sized.statusCode(), route[0] + " sized " + size + ": " + sized.body());
                assertEquals(200, chunked.statusCode(), route[0] + " chunked " + size + ": " + chunked.body());
                JsonNode a = Json.MAPPER.readTree(sized.body());
                JsonNode b = Json.MAPPER.readTree(chunked.body());
                if (route[0].equals("tokenize")) {
                    assertEquals(a.get("tokens"), b.get("tokens"));
                } else {
                    assertEquals(a.at("/choices/0/message/content"), b.at("/choices/0/message/content"));
                    assertEquals(a.at("/usage/prompt_tokens"), b.at("/usage/prompt_tokens"));
                    assertEquals(a.at("/usage/completion_tokens"), b.at("/usage/completion_tokens"));
                }
            }
        }
        // Just over the limit, chunked or sized: an OpenAI-shaped 413, not a corrupted body or an empty answer.
        byte[] over = padded(chat, LIMIT + 1);
        for (boolean chunked : new boolean[] {false, true}) {
            HttpResponse<String> r = post("v1/chat/completions", over, chunked);
            assertEquals(413, r.statusCode(), "chunked=" + chunked);
            assertEquals("request_too_large", Json.MAPPER.readTree(r.body()).at("/error/code").asText());
        }
        // Just under it, the chunked body is read whole (and then judged on its content, not mangled).
        HttpResponse<String> under = post("tokenize", padded(tokenize, LIMIT - 16), true);
        assertEquals(200, under.statusCode(), under.body());
    }

    @jakarta.inject.Inject
    io.djinn.serving.ServingLifecycle lifecycle;

    /**
     * Issue 16 item 13: malformed HTTP gets either no body at all (Vert.x' decoder answers those itself) or OpenAI's
     * error shape, never Quarkus' {"details","stack"} page; the server answers normally afterwards.
     */
    @Test
    void protocolErrorsAnswerInOpenAiShape() throws Exception {
        String[] requests = {
            "POST /tokenize HTTP/1.1\nHost: x\nContent-Length: 2\n\n{}",
            "POST /tokenize HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\nContent-Length: 2\r\n\r\n{}",
            "POST /tokenize HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
            "POST /tokenize HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}",
            "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(1_000_000) + "\r\n\r\n",
            "GET /v1/models HTTP/1.1\r\nHost: a b c\r\nAccept: application/json\r\n\r\n",
            "GET /v1/models HTTP/1.1\r\nHost: [::1\r\nAccept: application/json\r\n\r\n",
            "POST /v1/chat/completions HTTP/1.1\r\nHost: [::1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 2\r\n\r\n{}",
            "GET /%%% HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n",
            "GARBAGE\r\n\r\n",
        };
        int bodies = 0;
        for (String request : requests) {
            RawHttp.Answer a = RawHttp.send(base, request);
            String label = request.substring(0, Math.min(60, request.length()));
            assertTrue(a.status() >= 400 && a.status() < 500, label + " -> " + a.status() + " " + a.body());
            assertTrue(!a.body().contains("\"details\"") && !a.body().contains("\"stack\""), label + ": " + a.body());
            if (!a.body().isEmpty()) {
                bodies++;
                JsonNode error = Json.MAPPER.readTree(a.body()).get("error");
                assertTrue(error != null && error.hasNonNull("message") && error.hasNonNull("type")
                        && error.has("param") && error.hasNonNull("code"), label + ": " + a.body());
            }
        }
        assertTrue(bodies >= 3, "the malformed Host answers carry a body");
        given().get("/health").then().statusCode(200);
    }

    /**
     * Issue 16 item 14: clients that leave while queued, while their prompt is read, mid-stream, or before a JSON
     * answer leave nothing counted: the drain's count returns to 0.
     */
    @Test
    void disconnectsAtEveryStageLeaveNothingCounted() throws Exception {
        String streamed = """
                {"model":"%s","messages":[{"role":"user","content":"hi"}],"max_tokens":400,"ignore_eos":true,
                 "stream":true,"n":%d}""";
        String plain = """
                {"model":"%s","messages":[{"role":"user","content":"hi"}],"max_tokens":400,"ignore_eos":true,
                 "n":%d}""";
        java.util.List<java.net.Socket> open = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            // n of 4: more sequences than slots, so some wait in the queue when their client leaves
            for (String body : new String[] {streamed.formatted(MODEL, 4), plain.formatted(MODEL, 4)}) {
                java.net.Socket s = new java.net.Socket(base.getHost(), base.getPort());
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().write(b);
                s.getOutputStream().flush();
                open.add(s);
            }
        }
        // some leave at once, the streams once their first bytes came, a few with half a body sent
        for (int i = 0; i < open.size(); i++) {
            java.net.Socket s = open.get(i);
            if (i % 3 == 1) {
                s.setSoTimeout(30_000);
                s.getInputStream().read(new byte[256]);
            }
            s.close();
        }
        for (int i = 0; i < 3; i++) {
            try (java.net.Socket s = new java.net.Socket(base.getHost(), base.getPort())) {
                s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"model\":")
                        .getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (lifecycle.inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(0, lifecycle.inFlight(), "responses counted as open after every client left");
        given().contentType(ContentType.JSON).body("""
                {"model":"%s","messages":[{"role":"user","content":"hi"}],"max_tokens":2}""".formatted(MODEL))
                .post("/v1/chat/completions").then().statusCode(200);
    }

    @Test
    void wrongJsonTypesAre400sNamingTheField() {
        String[][] cases = {
            {"\"temperature\":\"\"", "temperature"},
            {"\"max_tokens\":\"\"", "max_tokens"},
            {"\"max_tokens\":\"5\"", "max_tokens"},
            {"\"logprobs\":7", "logprobs"},
            {"\"stream\":-3", "stream"},
            {"\"stream\":\"true\"", "stream"},
            {"\"chat_template\":7", "chat_template"},
            {"\"seed\":\"1\"", "seed"},
            {"\"n\":1.5", "n"},
        };
        for (String[] c : cases) {
            given().contentType(ContentType.JSON).body("""
                    {"model":"%s","messages":[{"role":"user","content":"hi"}],%s}""".formatted(MODEL, c[0]))
                    .post("/v1/chat/completions").then().statusCode(400)
                    .body("error.type", equalTo("invalid_request_error"))
                    .body("error.param", equalTo(c[1]))
                    .body("error.message", containsString(c[1]));
        }
        given().contentType(ContentType.JSON).body("""
                {"model":"%s","messages":[{"role":"user","content":"hi"},
                 {"role":"assistant","content":"x","tool_calls":"x"},{"role":"user","content":"hi"}]}"""
                .formatted(MODEL)).post("/v1/chat/completions").then().statusCode(400)
                .body("error.param", equalTo("messages[1].tool_calls"));
        given().contentType(ContentType.JSON).body("{\"prompt\":7}").post("/tokenize").then().statusCode(400)
                .body("error.param", equalTo("prompt"));
        // Well-typed values are still served.
        given().contentType(ContentType.JSON).body("""
                {"model":"%s","messages":[{"role":"user","content":"hi"}],"max_tokens":2,"temperature":0.5,
                 "logprobs":false,"stream":false}""".formatted(MODEL))
                .post("/v1/chat/completions").then().statusCode(200);
    }

    @Test
    void nonJsonBodiesGet415() {
        String body = """
                {"model":"%s","messages":[{"role":"user","content":"hi"}],"max_tokens":2}""".formatted(MODEL);
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "application/xml"}) {
            for (String path : new String[] {"/v1/chat/completions", "/tokenize"}) {
                given().contentType(type).body(body).post(path).then().statusCode(415)
                        .body("error.code", equalTo("unsupported_media_type"))
                        .body("error.type", equalTo("invalid_request_error"));
            }
        }
        given().contentType("application/json; charset=utf-8").body(body).post("/v1/chat/completions")
                .then().statusCode(200);
    }

    @Test
    void everyNTheApiAllowsIsServedOnAnIdleServer() {
        // More choices than the engine's slots plus its queue (8 + 64 here): they run in turns.
        given().contentType(ContentType.JSON).body("""
                {"model":"%s","messages":[{"role":"user","content":"hi"}],"max_tokens":3,"n":128,
                 "ignore_eos":true}""".formatted(MODEL))
                .post("/v1/chat/completions").then().statusCode(200).body("choices", hasSize(128))
                .body("usage.completion_tokens", equalTo(384));
        String stream = given().contentType(ContentType.JSON).body("""
                {"model":"%s","messages":[{"role":"user","content":"hi"}],"max_tokens":3,"n":100,"stream":true,
                 "ignore_eos":true}""".formatted(MODEL))
                .post("/v1/chat/completions").then().statusCode(200).extract().asString();
        long finished = stream.lines().filter(l -> l.contains("\"finish_reason\":\"length\"")).count();
        assertEquals(100, finished, "every streamed choice finishes");
        assertTrue(stream.contains("data: [DONE]"));
        // Past the API's limit: a 400 at once naming n and the limit.
        given().contentType(ContentType.JSON).body("""
                {"model":"%s","messages":[{"role":"user","content":"hi"}],"n":129}""".formatted(MODEL))
                .post("/v1/chat/completions").then().statusCode(400).body("error.param", equalTo("n"))
                .body("error.message", containsString("128"));
    }
}
