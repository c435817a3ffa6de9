package io.djinn.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@QuarkusTest
class ChatCompletionsApiTest {

    static final String MODEL = "djinn-tiny-llama";

    @BeforeEach
    void ready() {
        ServerReady.await();
    }

    private static Response post(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/v1/chat/completions");
    }

    @Test
    void answersInOpenAiShapeWithRealTokenCounts() {
        post("""
                {"model":"%s","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello!"}],
                 "max_tokens":12,"temperature":0,"ignore_eos":true}""".formatted(MODEL))
                .then().statusCode(200).contentType(ContentType.JSON)
                .body("id", startsWith("chatcmpl-"))
                .body("object", equalTo("chat.completion"))
                .body("created", greaterThan(1_700_000_000))
                .body("model", equalTo(MODEL))
                .body("system_fingerprint", startsWith("fp_"))
                .body("choices", hasSize(1))
                .body("choices[0].index", equalTo(0))
                .body("choices[0].message.role", equalTo("assistant"))
                .body("choices[0].message.content", notNullValue())
                .body("choices[0].logprobs", nullValue())
                .body("choices[0].finish_reason", equalTo("length"))
                .body("usage.completion_tokens", equalTo(12))
                .body("usage.prompt_tokens", greaterThan(5))
                .body("usage.prompt_tokens_details.cached_tokens", equalTo(0));
    }

    @Test
    void promptTokensAreTheRenderedTemplatesTokens() {
        int withSystem = post("""
                {"messages":[{"role":"system","content":"You are a helpful assistant with a long system prompt."},
                 {"role":"user","content":"Hi"}],"max_tokens":1}""").then().statusCode(200)
                .extract().path("usage.prompt_tokens");
        int without = post("""
                {"messages":[{"role":"user","content":"Hi"}],"max_tokens":1}""").then().statusCode(200)
                .extract().path("usage.prompt_tokens");
        assertTrue(withSystem > without + 5, withSystem + " vs " + without);
    }

    @Test
    void greedyIsDeterministicAndSeedReproducesSampling() {
        String greedy = """
                {"messages":[{"role":"user","content":"Count to five"}],"max_tokens":16,"temperature":0,"ignore_eos":true}""";
        assertEquals(content(post(greedy)), content(post(greedy)));
        String seeded = """
                {"messages":[{"role":"user","content":"Tell me a story"}],"max_tokens":24,"temperature":1.0,
                 "top_p":0.95,"top_k":50,"seed":%d,"ignore_eos":true}""";
        String a = content(post(seeded.formatted(1234)));
        assertEquals(a, content(post(seeded.formatted(1234))));
        assertNotEquals(a, content(post(seeded.formatted(99))));
    }

    @Test
    void streamsRoleDeltasFinishUsageAndDone() throws Exception {
        String body = post("""
                {"messages":[{"role":"user","content":"Stream please"}],"max_tokens":10,"temperature":0,
                 "ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}""")
                .then().statusCode(200).contentType(startsWith("text/event-stream")).extract().asString();
        List<JsonNode> chunks = SseEvents.chunks(body);
        JsonNode first = chunks.getFirst();
        assertEquals("chat.completion.chunk", first.get("object").asText());
        assertEquals("assistant", first.at("/choices/0/delta/role").asText());
        String id = first.get("id").asText();
        long created = first.get("created").asLong();
        StringBuilder text = new StringBuilder();
        int finishes = 0;
        for (JsonNode c : chunks) {
            assertEquals(id, c.get("id").asText());
            assertEquals(created, c.get("created").asLong());
            if (c.get("choices").isEmpty()) {
                continue;
            }
            JsonNode choice = c.get("choices").get(0);
            if (choice.at("/delta/content").isTextual()) {
                text.append(choice.at("/delta/content").asText());
            }
            if (!choice.get("finish_reason").isNull()) {
                finishes++;
                assertEquals("length", choice.get("finish_reason").asText());
            }
        }
        assertEquals(1, finishes);
        JsonNode usage = chunks.getLast();
        assertTrue(usage.get("choices").isEmpty());
        assertEquals(10, usage.at("/usage/completion_tokens").asInt());
        String plain = content(post("""
                {"messages":[{"role":"user","content":"Stream please"}],"max_tokens":10,"temperature":0,"ignore_eos":true}"""));
        assertEquals(plain, text.toString());
    }

    @Test
    void streamWithoutUsageHasNoUsageChunk() throws Exception {
        String body = post("""
                {"messages":[{"role":"user","content":"x"}],"max_tokens":3,"stream":true}""")
                .then().statusCode(200).extract().asString();
        for (JsonNode c : SseEvents.chunks(body)) {
            assertFalse(c.has("usage") && !c.get("usage").isNull(), c.toString());
            assertEquals(1, c.get("choices").size());
        }
    }

    /** Random weights emit arbitrary byte tokens; streamed text must still equal the full decode, chunk by chunk. */
    @Test
    void multiByteTextStreamsIntact() throws Exception {
        for (int seed = 0; seed < 6; seed++) {
            String req = """
                    {"messages":[{"role":"user","content":"Emoji 🦙 and 漢字 please"}],"max_tokens":48,
                     "temperature":1.0,"seed":%d,"ignore_eos":true%s}""";
            String full = content(post(req.formatted(seed, "")));
            String body = post(req.formatted(seed, ",\"stream\":true")).then().statusCode(200).extract().asString();
            StringBuilder streamed = new StringBuilder();
            for (JsonNode c : SseEvents.chunks(body)) {
                JsonNode delta = c.at("/choices/0/delta/content");
                if (delta.isTextual()) {
                    String s = delta.asText();
                    assertTrue(s.isEmpty() || !Character.isHighSurrogate(s.charAt(s.length() - 1)),
                            "chunk ends in half a surrogate pair");
                    streamed.append(s);
                }
            }
            assertEquals(full, streamed.toString(), "seed " + seed);
        }
    }

    @Test
    void modelsListsTheServedModel() {
        given().get("/v1/models").then().statusCode(200)
                .body("object", equalTo("list"))
                // the model, then the aliases the test profile configures (djinn.model.aliases)
                .body("data", hasSize(3))
                .body("data[0].id", equalTo(MODEL))
                .body("data[0].object", equalTo("model"))
                .body("data[0].owned_by", equalTo("djinn"));
        given().get("/v1/models/" + MODEL).then().statusCode(200).body("id", equalTo(MODEL));
        given().get("/v1/models/nope").then().statusCode(404).body("error.code", equalTo("model_not_found"))
                .body("error.message", containsString("serves: " + MODEL));
        post("{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").then().statusCode(404)
                .body("error.message", containsString("'gpt-9'"))
                .body("error.message", containsString("serves: " + MODEL));
        given().get("/q/health/ready").then().statusCode(200);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON        | {"messages": [               | 400 | invalid_request_error | invalid_json   |
            not an object         | [1,2,3]                       | 400 | invalid_request_error | invalid_json   |
            missing messages      | {"model":"djinn-tiny-llama"}  | 400 | invalid_request_error | invalid_value  | messages
            empty messages        | {"messages":[]}               | 400 | invalid_request_error | invalid_value  | messages
            bad role              | {"messages":[{"role":"robot","content":"x"}]} | 400 | invalid_request_error | invalid_value | messages[0].role
            content wrong type    | {"messages":[{"role":"user","content":5}]} | 400 | invalid_request_error | invalid_value | messages[0].content
            image part            | {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]} | 400 | invalid_request_error | invalid_value | messages[0].content[0].type
            unknown model         | {"model":"gpt-9","messages":[{"role":"user","content":"x"}]} | 404 | invalid_request_error | model_not_found | model
            temperature too high  | {"messages":[{"role":"user","content":"x"}],"temperature":4.5} | 400 | invalid_request_error | invalid_value | temperature
            temperature wrong type| {"messages":[{"role":"user","content":"x"}],"temperature":"hot"} | 400 | invalid_request_error | invalid_type | temperature
            top_p zero            | {"messages":[{"role":"user","content":"x"}],"top_p":0} | 400 | invalid_request_error | invalid_value | top_p
            max_tokens zero       | {"messages":[{"role":"user","content":"x"}],"max_tokens":0} | 400 | invalid_request_error | invalid_value | max_tokens
            max_tokens too big    | {"messages":[{"role":"user","content":"x"}],"max_tokens":4090} | 400 | invalid_request_error | context_length_exceeded | max_tokens
            n out of range        | {"messages":[{"role":"user","content":"x"}],"n":0} | 400 | invalid_request_error | invalid_value | n
            guided grammar        | {"messages":[{"role":"user","content":"x"}],"guided_grammar":"root ::= x"} | 400 | invalid_request_error | unsupported_parameter | guided_grammar
            """)
    void badInputGetsOpenAiShapedError(String name, String body, int status, String type, String code, String param) {
        var r = post(body).then().statusCode(status).contentType(ContentType.JSON)
                .body("error.type", equalTo(type))
                .body("error.code", equalTo(code))
                .body("error.message", notNullValue());
        if (param == null) {
            r.body("error.param", nullValue());
        } else {
            r.body("error.param", equalTo(param));
        }
    }

    @Test
    void unknownFieldsAreAcceptedAndUnknownPathsAre404() {
        post("""
                {"messages":[{"role":"user","content":"x"}],"max_tokens":2,"some_future_field":{"a":1}}""")
                .then().statusCode(200);
        given().get("/v1/nothing-here").then().statusCode(404).body("error.type", equalTo("invalid_request_error"));
    }

    private static String content(Response r) {
        return r.then().statusCode(200).extract().path("choices[0].message.content");
    }
}
