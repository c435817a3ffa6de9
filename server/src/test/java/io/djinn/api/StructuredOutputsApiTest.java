package io.djinn.api;

import io.djinn.common.Json;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Structured outputs and forced tool calls through the HTTP API on the generated random-weight checkpoint, whose
 * free output is noise: whatever it samples (temperature 1.5, top_k, many seeds), a constrained answer parses and
 * validates against its schema, checked by an independent JSON Schema validator (networknt), and the streamed answer
 * is the same message as the non-streamed one.
 */
@QuarkusTest
class StructuredOutputsApiTest {

    static final String MODEL = ChatCompletionsApiTest.MODEL;
    static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    static final List<String> SCHEMAS_UNDER_TEST = List.of(
            """
            {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},
             "member":{"type":"boolean"}},"required":["name","age","member"],"additionalProperties":false}""",
            """
            {"type":"object","properties":{"tags":{"type":"array","items":{"type":"string","enum":["red","green","blue"]}},
             "score":{"type":"number"},"note":{"type":["string","null"]}},"required":["tags","score","note"],
             "additionalProperties":false}""",
            """
            {"type":"object","properties":{"kind":{"const":"circle"},"shape":{"anyOf":[
              {"type":"object","properties":{"r":{"type":"number"}},"required":["r"],"additionalProperties":false},
              {"type":"object","properties":{"w":{"type":"integer"},"h":{"type":"integer"}},"required":["w","h"],
               "additionalProperties":false}]},
             "extra":{"type":"string"}},"required":["kind","shape"],"additionalProperties":false}""",
            """
            {"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},
              "children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["value","children"],
              "additionalProperties":false}},
             "type":"object","properties":{"root":{"$ref":"#/$defs/node"}},"required":["root"],
             "additionalProperties":false}""");

    @BeforeEach
    void ready() {
        ServerReady.await();
    }

    private static Response post(JsonNode body) {
        return given().contentType(ContentType.JSON).body(body.toString()).post("/v1/chat/completions");
    }

    private static ObjectNode request(long seed, boolean stream) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", MODEL);
        body.putArray("messages").addObject().put("role", "user").put("content", "Describe a thing as JSON.");
        body.put("temperature", 1.5);
        body.put("top_k", 50);
        body.put("seed", seed);
        body.put("max_tokens", 160);
        body.put("reasoning_effort", "none");
        if (stream) {
            body.put("stream", true);
        }
        return body;
    }

    private static ObjectNode withSchema(ObjectNode body, String schema) throws Exception {
        ObjectNode rf = body.putObject("response_format");
        rf.put("type", "json_schema");
        ObjectNode js = rf.putObject("json_schema");
        js.put("name", "thing");
        js.put("strict", true);
        js.set("schema", Json.MAPPER.readTree(schema));
        return body;
    }

    private static void assertValid(String schema, String document, String context) throws Exception {
        JsonNode parsed = Json.MAPPER.readTree(document);
        JsonSchema validator = SCHEMAS.getSchema(schema);
        Set<?> errors = validator.validate(parsed);
        assertTrue(errors.isEmpty(), context + ": " + document + " violates its schema: " + errors);
    }

    @Test
    void jsonSchemaOutputsValidateForManySeeds() throws Exception {
        int checked = 0;
        for (int s = 0; s < SCHEMAS_UNDER_TEST.size(); s++) {
            String schema = SCHEMAS_UNDER_TEST.get(s);
            for (long seed = 1; seed <= 6; seed++) {
                JsonNode answer = Json.MAPPER.readTree(post(withSchema(request(seed * 31 + s, false), schema))
                        .then().statusCode(200).extract().asString());
                JsonNode choice = answer.path("choices").get(0);
                assertEquals("stop", choice.path("finish_reason").asText(), "schema " + s + " seed " + seed);
                assertValid(schema, choice.path("message").path("content").asText(), "schema " + s + " seed " + seed);
                checked++;
            }
        }
        assertEquals(SCHEMAS_UNDER_TEST.size() * 6, checked);
    }

    @Test
    void jsonObjectRegexAndChoice() throws Exception {
        for (long seed = 1; seed <= 5; seed++) {
            ObjectNode body = request(seed, false);
            body.putObject("response_format").put("type", "json_object");
            String json = post(body).then().statusCode(200).extract().path("choices[0].message.content");
            assertTrue(Json.MAPPER.readTree(json).isObject(), json);

            ObjectNode regex = request(seed, false);
            regex.putObject("structured_outputs").put("regex", "[A-Z][a-z]{2,8}-[0-9]{3}(x|yz)?");
            String r = post(regex).then().statusCode(200).extract().path("choices[0].message.content");
            assertTrue(Pattern.matches("[A-Z][a-z]{2,8}-[0-9]{3}(x|yz)?", r), r);

            ObjectNode choice = request(seed, false);
            ArrayNode options = choice.putObject("structured_outputs").putArray("choice");
            options.add("positive").add("negative").add("neutral");
            String c = post(choice).then().statusCode(200).extract().path("choices[0].message.content");
            assertTrue(Set.of("positive", "negative", "neutral").contains(c), c);
        }
    }

    @Test
    void streamedAndPlainAnswersAreTheSameMessage() throws Exception {
        String schema = SCHEMAS_UNDER_TEST.get(1);
        for (long seed = 7; seed <= 9; seed++) {
            JsonNode plain = Json.MAPPER.readTree(post(withSchema(request(seed, false), schema)).then()
                    .statusCode(200).extract().asString()).path("choices").get(0);
            String sse = post(withSchema(request(seed, true), schema)).then().statusCode(200).extract().asString();
            StringBuilder content = new StringBuilder();
            String finish = null;
            for (JsonNode chunk : SseEvents.chunks(sse)) {
                for (JsonNode c : chunk.path("choices")) {
                    if (c.path("delta").hasNonNull("content")) {
                        content.append(c.path("delta").path("content").asText());
                    }
                    if (c.hasNonNull("finish_reason")) {
                        finish = c.path("finish_reason").asText();
                    }
                }
            }
            assertEquals(plain.path("message").path("content").asText(), content.toString());
            assertEquals(plain.path("finish_reason").asText(), finish);
        }
    }

    static final String WEATHER_TOOL = """
            {"type":"function","function":{"name":"get_weather","description":"Weather in a city",
             "parameters":{"type":"object","properties":{"city":{"type":"string"},
              "unit":{"type":"string","enum":["celsius","fahrenheit"]},"days":{"type":"integer"}},
              "required":["city","unit","days"],"additionalProperties":false}}}""";
    static final String SEARCH_TOOL = """
            {"type":"function","function":{"name":"search","parameters":{"type":"object",
             "properties":{"query":{"type":"string"},"limit":{"type":["integer","null"]}},
             "required":["query","limit"],"additionalProperties":false}}}""";

    private static ObjectNode toolRequest(long seed, boolean stream, String toolChoice, Boolean parallel)
            throws Exception {
        ObjectNode body = request(seed, stream);
        body.put("max_tokens", 200);
        ArrayNode tools = body.putArray("tools");
        tools.add(Json.MAPPER.readTree(WEATHER_TOOL));
        tools.add(Json.MAPPER.readTree(SEARCH_TOOL));
        if (toolChoice.startsWith("{")) {
            body.set("tool_choice", Json.MAPPER.readTree(toolChoice));
        } else {
            body.put("tool_choice", toolChoice);
        }
        if (parallel != null) {
            body.put("parallel_tool_calls", parallel);
        }
        return body;
    }

    private static String parametersOf(String name) throws Exception {
        String tool = name.equals("get_weather") ? WEATHER_TOOL : SEARCH_TOOL;
        return Json.MAPPER.readTree(tool).path("function").path("parameters").toString();
    }

    @Test
    void forcedToolCallsParseAndValidate() throws Exception {
        int calls = 0;
        for (long seed = 1; seed <= 8; seed++) {
            boolean named = seed % 2 == 0;
            String choice = named ? "{\"type\":\"function\",\"function\":{\"name\":\"search\"}}" : "required";
            Boolean parallel = seed % 3 == 0 ? Boolean.FALSE : null;
            JsonNode c = Json.MAPPER.readTree(post(toolRequest(seed, false, choice, parallel)).then()
                    .statusCode(200).extract().asString()).path("choices").get(0);
            assertEquals("tool_calls", c.path("finish_reason").asText(), c.toString());
            JsonNode toolCalls = c.path("message").path("tool_calls");
            assertTrue(toolCalls.size() >= 1, c.toString());
            if (Boolean.FALSE.equals(parallel)) {
                assertEquals(1, toolCalls.size(), "parallel_tool_calls false allows one call: " + c);
            }
            for (JsonNode call : toolCalls) {
                assertTrue(call.path("id").asText().startsWith("call_"));
                assertEquals("function", call.path("type").asText());
                String name = call.path("function").path("name").asText();
                if (named) {
                    assertEquals("search", name);
                }
                assertValid(parametersOf(name), call.path("function").path("arguments").asText(),
                        "seed " + seed + " call " + name);
                calls++;
            }
            String content = c.path("message").path("content").asText("");
            assertFalse(content.contains("<tool_call>"), "markup leaked into content: " + content);
        }
        assertTrue(calls >= 8);
    }

    @Test
    void streamedToolCallsMatchPlainOnes() throws Exception {
        for (long seed = 11; seed <= 13; seed++) {
            JsonNode plain = Json.MAPPER.readTree(post(toolRequest(seed, false, "required", null)).then()
                    .statusCode(200).extract().asString()).path("choices").get(0);
            String sse = post(toolRequest(seed, true, "required", null)).then().statusCode(200).extract().asString();
            List<String[]> streamed = new ArrayList<>();   // name, arguments per index
            StringBuilder content = new StringBuilder();
            String finish = null;
            for (JsonNode chunk : SseEvents.chunks(sse)) {
                for (JsonNode c : chunk.path("choices")) {
                    JsonNode delta = c.path("delta");
                    if (delta.hasNonNull("content")) {
                        content.append(delta.path("content").asText());
                    }
                    for (JsonNode t : delta.path("tool_calls")) {
                        int index = t.path("index").asInt();
                        if (t.hasNonNull("id")) {
                            assertEquals(streamed.size(), index, "a new call takes the next index");
                            assertEquals("function", t.path("type").asText());
                            assertTrue(t.path("function").hasNonNull("name"), "first delta names the function");
                            streamed.add(new String[] {t.path("function").path("name").asText(), ""});
                        } else {
                            assertFalse(t.path("function").has("name"), "later deltas carry arguments only");
                        }
                        streamed.get(index)[1] += t.path("function").path("arguments").asText("");
                    }
                    if (c.hasNonNull("finish_reason")) {
                        finish = c.path("finish_reason").asText();
                    }
                }
            }
            JsonNode calls = plain.path("message").path("tool_calls");
            assertEquals(calls.size(), streamed.size());
            for (int i = 0; i < calls.size(); i++) {
                assertEquals(calls.get(i).path("function").path("name").asText(), streamed.get(i)[0]);
                assertEquals(calls.get(i).path("function").path("arguments").asText(), streamed.get(i)[1]);
            }
            assertEquals(plain.path("message").path("content").asText(""), content.toString());
            assertEquals("tool_calls", finish);
        }
    }

    @Test
    void toolResultsRenderBackThroughTheTemplate() throws Exception {
        String messages = """
                "messages":[{"role":"user","content":"Weather in Oslo?"},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                   "function":{"name":"get_weather","arguments":"{\\"city\\": \\"Oslo\\"}"}}]},
                 {"role":"tool","tool_call_id":"call_1","content":"-3 degrees"}],"tools":[%s]""".formatted(WEATHER_TOOL);
        JsonNode tokens = Json.MAPPER.readTree(given().contentType(ContentType.JSON)
                .body("{\"model\":\"" + MODEL + "\"," + messages + "}").post("/tokenize").then().statusCode(200)
                .extract().asString()).path("tokens");
        String rendered = given().contentType(ContentType.JSON).body("{\"tokens\":" + tokens + "}")
                .post("/detokenize").then().statusCode(200).extract().path("prompt");
        assertTrue(rendered.contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}")
                && rendered.contains("<tool_response>\n-3 degrees\n</tool_response>"), rendered);
        given().contentType(ContentType.JSON).body("{\"model\":\"" + MODEL + "\",\"max_tokens\":4," + messages + "}")
                .post("/v1/chat/completions").then().statusCode(200);
    }

    @Test
    void unsupportedSchemaFeaturesAndConflictsAreNamed() throws Exception {
        ObjectNode body = withSchema(request(1, false), """
                {"type":"object","properties":{"age":{"type":"integer","minimum":3}},"required":["age"],
                 "additionalProperties":false}""");
        post(body).then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.param", equalTo("response_format.json_schema.schema.properties.age.minimum"));

        ObjectNode two = request(1, false);
        two.putObject("response_format").put("type", "json_object");
        two.put("guided_regex", "a+");
        post(two).then().statusCode(400).body("error.param", equalTo("guided_regex"));

        post(toolRequest(1, false, "{\"type\":\"function\",\"function\":{\"name\":\"nope\"}}", null)).then()
                .statusCode(400).body("error.param", equalTo("tool_choice"))
                .body("error.message", containsString("nope"));

        ObjectNode grammar = request(1, false);
        grammar.putObject("structured_outputs").put("grammar", "root ::= \"a\"");
        post(grammar).then().statusCode(400).body("error.param", equalTo("structured_outputs"));

        ObjectNode tooShort = withSchema(request(1, false), SCHEMAS_UNDER_TEST.get(0));
        tooShort.put("max_tokens", 3);
        post(tooShort).then().statusCode(400).body("error.param", equalTo("max_tokens"));
    }

    @Test
    void reasoningGoesToReasoningContentAndTheBudgetHolds() throws Exception {
        // The prompt opens the thinking block (a final assistant message "<think>" is continued); a budget of 5
        // forces </think> after at most 5 thinking tokens, counted from the per-token logprobs.
        for (long seed = 1; seed <= 6; seed++) {
            ObjectNode body = request(seed, false);
            body.remove("reasoning_effort");
            ArrayNode messages = (ArrayNode) body.get("messages");
            messages.addObject().put("role", "assistant").put("content", "<think>\n");
            body.put("continue_final_message", true);
            body.put("add_generation_prompt", false);
            body.put("thinking_token_budget", 5);
            body.put("max_tokens", 24);
            body.put("ignore_eos", true);
            body.put("logprobs", true);
            JsonNode choice = Json.MAPPER.readTree(post(body).then().statusCode(200).extract().asString())
                    .path("choices").get(0);
            JsonNode m = choice.path("message");
            String content = m.path("content").asText("");
            assertFalse(content.contains("</think>"), content);
            int thinking = 0;
            boolean closed = false;
            for (JsonNode t : choice.path("logprobs").path("content")) {
                if (t.path("token").asText().equals("</think>")) {
                    closed = true;
                    break;
                }
                thinking++;
            }
            assertTrue(closed, "the budget did not close the thinking block: " + choice);
            assertTrue(thinking <= 5, "budget 5 exceeded: " + thinking + " thinking tokens");
            if (thinking > 0) {
                assertTrue(m.hasNonNull("reasoning_content"), m.toString());
                assertEquals(m.path("reasoning_content").asText(), m.path("reasoning").asText());
            }
            // streamed: the same split, reasoning in reasoning_content deltas, never in content
            body.put("stream", true);
            body.remove("logprobs");
            StringBuilder reasoning = new StringBuilder();
            StringBuilder streamedContent = new StringBuilder();
            for (JsonNode chunk : SseEvents.chunks(post(body).then().statusCode(200).extract().asString())) {
                for (JsonNode c : chunk.path("choices")) {
                    JsonNode d = c.path("delta");
                    if (d.hasNonNull("reasoning_content")) {
                        reasoning.append(d.path("reasoning_content").asText());
                        assertEquals(d.path("reasoning_content").asText(), d.path("reasoning").asText());
                    }
                    if (d.hasNonNull("content")) {
                        streamedContent.append(d.path("content").asText());
                    }
                }
            }
            assertEquals(m.path("reasoning_content").asText(""), reasoning.toString());
            assertEquals(content, streamedContent.toString());
        }
    }

    @Test
    void reasoningEffortNoneSwitchesThinkingOffInTheTemplate() throws Exception {
        String base = "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        for (String effort : List.of("none", "high")) {
            JsonNode tokens = Json.MAPPER.readTree(given().contentType(ContentType.JSON)
                    .body(base + ",\"reasoning_effort\":\"" + effort + "\"}").post("/tokenize").then()
                    .statusCode(200).extract().asString()).path("tokens");
            String prompt = given().contentType(ContentType.JSON).body("{\"tokens\":" + tokens + "}")
                    .post("/detokenize").then().statusCode(200).extract().path("prompt");
            assertEquals(effort.equals("none"), prompt.endsWith("<think>\n\n</think>\n\n"), effort + ": " + prompt);
        }
    }
}
