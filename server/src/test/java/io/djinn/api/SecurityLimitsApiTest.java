package io.djinn.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.djinn.common.Json;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 16 items 1, 3, 4, 8, 9 and 11 against the running server: no request may end the process, read its files,
 * hold a worker without bound, slip text past the size limits, overflow a parser's stack or forge a log line. After
 * each refusal the server still answers.
 */
@QuarkusTest
class SecurityLimitsApiTest {

    private static final String HI = "[{\"role\":\"user\",\"content\":\"hi\"}]";

    @BeforeEach
    void ready() {
        ServerReady.await();
    }

    private static ValidatableResponse post(String path, Object body) {
        return given().contentType(ContentType.JSON).body(body instanceof String s ? s : Json.write(body))
                .post(path).then();
    }

    private static ValidatableResponse badRequest(String path, Object body, String param) {
        return post(path, body).statusCode(400).contentType(ContentType.JSON)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.param", equalTo(param))
                .body("error.code", not(equalTo("internal_error")));
    }

    /** The process is alive and serving: health, a tokenization and a completion. */
    private static void stillServing() {
        given().get("/health").then().statusCode(200);
        post("/tokenize", "{\"prompt\":\"still here\"}").statusCode(200).body("count", greaterThan(0));
        post("/v1/chat/completions", "{\"messages\":" + HI + ",\"max_tokens\":2}").statusCode(200)
                .body("object", equalTo("chat.completion"));
    }

    private static Map<String, Object> chat(String key, Object value) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("messages", List.of(Map.of("role", "user", "content", "hi")));
        body.put("max_tokens", 2);
        body.put(key, value);
        return body;
    }

    // ---- item 1: native code never sees input it can crash on ----

    @Test
    void tenMillionWhitespaceToolDescriptionIs400AndTheServerLives() {
        String description = " ".repeat(10_000_000) + "x";
        Object tools = List.of(Map.of("type", "function", "function", Map.of("name", "f", "description", description)));
        for (String path : new String[] {"/tokenize", "/v1/chat/completions"}) {
            badRequest(path, chat("tools", tools), "tools").body("error.message", containsString("2000000"));
            stillServing();
        }
    }

    @Test
    void tenMillionWhitespacePromptWithoutTemplateIs400AndTheServerLives() {
        badRequest("/tokenize", Map.of("prompt", " ".repeat(10_000_000) + "x"), "prompt")
                .body("error.message", containsString("2000000"));
        stillServing();
    }

    @Test
    void templateThatRendersTwentyMillionCharactersIs400StatingTheLimit() {
        for (String path : new String[] {"/tokenize", "/v1/chat/completions"}) {
            badRequest(path, chat("chat_template", "{{ 'a'|center(20000000) }}"), "chat_template")
                    .body("error.message", containsString("4000000"));
            stillServing();
        }
    }

    @Test
    void renderedPromptOverTheLimitIsRefusedBeforeTokenizing() {
        // 1,500,000 characters of content rendered three times by the template: 4,500,000 > 4,000,000.
        String template = "{% for m in messages %}{{ m.content }}{{ m.content }}{{ m.content }}{% endfor %}";
        Map<String, Object> body = chat("chat_template", template);
        body.put("messages", List.of(Map.of("role", "user", "content", " ".repeat(1_500_000))));
        badRequest("/tokenize", body, "chat_template")
                .body("error.message", containsString("4000000"));
        stillServing();
    }

    // ---- item 3: a request's template loads nothing ----

    @ParameterizedTest
    @ValueSource(strings = {
        "{% include 'application.properties' %}",
        "{% include 'META-INF/MANIFEST.MF' %}",
        "{% include 'io/djinn/api/ChatPrompts.class' %}",
        "{% import 'application.properties' as p %}{{ p }}",
        "{% from 'application.properties' import x %}{{ x }}",
        "{% extends 'application.properties' %}{% block b %}{% endblock %}",
        "{% include 'application.properties' ignore missing %}"})
    void requestTemplateCannotReadFiles(String template) {
        String answer = post("/tokenize", chat("chat_template", template)).statusCode(400)
                .body("error.param", equalTo("chat_template")).extract().asString();
        assertFalse(answer.contains("quarkus") || answer.contains("Manifest-Version") || answer.contains("\\u00ca"),
                answer);
        stillServing();
    }

    // ---- item 4: template work is bounded ----

    @Test
    void nestedLoopsAndDoublingAreStoppedWith400() {
        String loops = "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
                + "{% for d in range(1000) %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}";
        badRequest("/tokenize", chat("chat_template", loops), "chat_template")
                // whichever bound comes first on this machine: 5,000,000 steps or 5 s
                .body("error.message", anyOf(containsString("5000000 steps"), containsString("5000 ms")));
        String doubling = "{% set s = 'ab' %}{% for i in range(24) %}{% set s = s + s %}{% endfor %}{{ s }}";
        badRequest("/v1/chat/completions", chat("chat_template", doubling), "chat_template")
                .body("error.message", containsString("4000000"));
        stillServing();
    }

    // ---- item 8: every text counts ----

    @Test
    void everyTextFieldCountsTowardTheLimit() {
        String big = "w".repeat(2_100_000);
        badRequest("/v1/chat/completions", chat("bad_words", java.util.Collections.nCopies(1024, "w".repeat(2100))),
                "bad_words").body("error.code", equalTo("request_text_too_long"));
        badRequest("/v1/chat/completions", chat("stop", List.of(big)), "stop");
        badRequest("/v1/chat/completions", chat("chat_template_kwargs", Map.of("x", big)), "chat_template_kwargs");
        badRequest("/tokenize", chat("documents", List.of(Map.of("text", big))), "documents");
        badRequest("/v1/chat/completions", chat("tools", List.of(Map.of("type", "function", "function",
                Map.of("name", "f", "parameters", Map.of("type", "object", "description", big))))), "tools");
        badRequest("/v1/chat/completions", chat("guided_choice", List.of(big)), "guided_choice");
        // Together over the limit though each is under it: the largest field is named.
        Map<String, Object> body = chat("stop", List.of("s".repeat(900_000)));
        body.put("bad_words", List.of("b".repeat(1_200_000)));
        badRequest("/v1/chat/completions", body, "bad_words");
        stillServing();
    }

    // ---- item 9: deep nesting and huge grammars are 400s, not stack traces ----

    @Test
    void deepNestingAndHugeChoicesAre400NamingTheField() {
        badRequest("/v1/chat/completions", chat("guided_regex", "(".repeat(5000) + "a" + ")".repeat(5000)),
                "guided_regex").body("error.message", not(containsString("StackOverflow")));
        badRequest("/tokenize", chat("chat_template", "{{ " + "(".repeat(1000) + "1" + ")".repeat(1000) + " }}"),
                "chat_template").body("error.message", containsString("nest"));
        badRequest("/v1/chat/completions", chat("guided_choice", List.of("c".repeat(1_000_000))), "guided_choice")
                .body("error.message", containsString("too large"));
        stillServing();
    }

    // ---- item 11: request text cannot forge a log line ----

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void captureLogs() {
        Logger.getLogger(UnsupportedParameters.class.getName()).addHandler(capture);
    }

    @AfterEach
    void stopCapturing() {
        Logger.getLogger(UnsupportedParameters.class.getName()).removeHandler(capture);
    }

    @Test
    void unknownFieldNamesAreLoggedWithControlCharactersEscaped() {
        String name = "x" + System.nanoTime() + "\n2026-12-05 08:00:00,000 INFO  [io.djinn] forged\r\u2028";
        post("/v1/chat/completions", chat(name, 1)).statusCode(200);
        List<String> lines = new ArrayList<>();
        for (LogRecord r : records) {
            String text = r instanceof org.jboss.logmanager.ExtLogRecord ext ? ext.getFormattedMessage()
                    : r.getMessage();
            if (text.contains("Ignoring unknown request field")) {
                lines.add(text);
            }
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("\\n2026-12-05")), "escaped name logged: " + lines);
        for (String line : lines) {
            assertFalse(line.contains("\n") || line.contains("\r") || line.contains("\u2028"), line);
        }
    }
}
