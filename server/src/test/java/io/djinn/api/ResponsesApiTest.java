package io.djinn.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.djinn.common.Json;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** /v1/responses and /v1/completions over raw HTTP: the SSE event order, the 400s naming fields, prompt shapes. */
@QuarkusTest
class ResponsesApiTest {

    static final String MODEL = ChatCompletionsApiTest.MODEL;
    static final String TOOL = """
            {"type":"function","name":"get_weather","description":"Weather of a city",
             "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],
             "additionalProperties":false},"strict":true}""";

    @BeforeEach
    void ready() {
        ServerReady.await();
    }

    private static Response post(String path, String body) {
        return given().contentType(ContentType.JSON).body(body).post(path);
    }

    /** The event blocks of a Responses stream: each "event: T" then "data: {...type: T...}". */
    static List<JsonNode> events(String body) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.isBlank() || block.startsWith(":")) {
                continue;
            }
            String[] lines = block.split("\n");
            assertEquals(2, lines.length, block);
            assertTrue(lines[0].startsWith("event: "), block);
            assertTrue(lines[1].startsWith("data: "), block);
            JsonNode data = Json.MAPPER.readTree(lines[1].substring("data: ".length()));
            assertEquals(lines[0].substring("event: ".length()), data.get("type").asText());
            out.add(data);
        }
        return out;
    }

    /**
     * Checks the documented order: created, in_progress, then per output item added → (content part added →
     * deltas → done → content part done | argument deltas → arguments done) → item done, then completed or
     * incomplete; sequence numbers count from 0. Returns the items of the output_item.done events.
     */
    static List<JsonNode> checkOrder(List<JsonNode> events) {
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, events.get(i).get("sequence_number").asInt(), "sequence_number of event " + i);
        }
        assertEquals("response.created", events.get(0).get("type").asText());
        assertEquals("in_progress", events.get(0).at("/response/status").asText());
        assertEquals("response.in_progress", events.get(1).get("type").asText());
        int at = 2;
        List<JsonNode> items = new ArrayList<>();
        while (events.get(at).get("type").asText().equals("response.output_item.added")) {
            JsonNode added = events.get(at++);
            int index = added.get("output_index").asInt();
            assertEquals(items.size(), index);
            String kind = added.at("/item/type").asText();
            String id = added.at("/item/id").asText();
            StringBuilder text = new StringBuilder();
            if (kind.equals("function_call")) {
                while (events.get(at).get("type").asText().equals("response.function_call_arguments.delta")) {
                    assertEquals(id, events.get(at).get("item_id").asText());
                    text.append(events.get(at++).get("delta").asText());
                }
                JsonNode done = events.get(at++);
                assertEquals("response.function_call_arguments.done", done.get("type").asText());
                assertEquals(text.toString(), done.get("arguments").asText());
            } else {
                String delta = kind.equals("message") ? "response.output_text.delta" : "response.reasoning_text.delta";
                String textDone = kind.equals("message") ? "response.output_text.done"
                        : "response.reasoning_text.done";
                assertEquals("response.content_part.added", events.get(at++).get("type").asText());
                while (events.get(at).get("type").asText().equals(delta)) {
                    assertEquals(id, events.get(at).get("item_id").asText());
                    text.append(events.get(at++).get("delta").asText());
                }
                JsonNode done = events.get(at++);
                assertEquals(textDone, done.get("type").asText());
                assertEquals(text.toString(), done.get("text").asText());
                JsonNode partDone = events.get(at++);
                assertEquals("response.content_part.done", partDone.get("type").asText());
                assertEquals(text.toString(), partDone.at("/part/text").asText());
            }
            JsonNode itemDone = events.get(at++);
            assertEquals("response.output_item.done", itemDone.get("type").asText());
            assertEquals(index, itemDone.get("output_index").asInt());
            assertEquals(id, itemDone.at("/item/id").asText());
            items.add(itemDone.get("item"));
        }
        JsonNode last = events.get(at);
        assertEquals(events.size() - 1, at, "events after the end: " + events.subList(at, events.size()));
        assertTrue(List.of("response.completed", "response.incomplete").contains(last.get("type").asText()),
                last.toString());
        assertEquals(Json.MAPPER.valueToTree(items), last.at("/response/output"));
        return items;
    }

    @Test
    void streamedTextFollowsTheDocumentedEventOrder() throws Exception {
        Response r = post("/v1/responses", """
                {"model":"%s","input":"Hello there","instructions":"Be brief.","max_output_tokens":8,
                 "temperature":0,"stream":true,"store":false}""".formatted(MODEL));
        r.then().statusCode(200).contentType(startsWith("text/event-stream"));
        List<JsonNode> events = events(r.asString());
        List<JsonNode> items = checkOrder(events);
        assertFalse(items.isEmpty());
        JsonNode end = events.getLast().get("response");
        assertEquals(8, end.at("/usage/output_tokens").asInt());
        assertEquals("incomplete", end.get("status").asText());
        assertEquals("max_output_tokens", end.at("/incomplete_details/reason").asText());
        assertEquals("incomplete", items.getLast().get("status").asText());
    }

    @Test
    void streamedFunctionCallFollowsTheDocumentedEventOrder() throws Exception {
        Response r = post("/v1/responses", """
                {"model":"%s","input":"Weather in Paris?","tools":[%s],"tool_choice":"required",
                 "parallel_tool_calls":false,"max_output_tokens":120,"temperature":0,"stream":true,
                 "reasoning":{"effort":"none"}}""".formatted(MODEL, TOOL));
        r.then().statusCode(200);
        List<JsonNode> items = checkOrder(events(r.asString()));
        JsonNode call = items.stream().filter(i -> i.get("type").asText().equals("function_call")).findFirst()
                .orElseThrow();
        assertEquals("get_weather", call.get("name").asText());
        assertTrue(call.get("call_id").asText().startsWith("call_"));
        assertTrue(Json.MAPPER.readTree(call.get("arguments").asText()).get("city").isTextual());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"input\":\"hi\",\"tools\":[{\"type\":\"web_search\"}]}|tools[0].type|unsupported_parameter",
        "{\"input\":\"hi\",\"tools\":[{\"type\":\"file_search\",\"vector_store_ids\":[\"x\"]}]}|tools[0].type|unsupported_parameter",
        "{\"input\":\"hi\",\"background\":true}|background|unsupported_parameter",
        "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"image_url\":\"http://x\"}]}]}|input[0].content[0].type|unsupported_parameter",
        "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}|input[0].content[0].type|unsupported_parameter",
        "{\"input\":[{\"type\":\"item_reference\",\"id\":\"x\"}]}|input[0].type|unsupported_parameter",
        "{\"input\":[{\"role\":\"robot\",\"content\":\"x\"}]}|input[0].role|invalid_value",
        "{\"input\":\"hi\",\"max_output_tokens\":0}|max_output_tokens|invalid_value",
        "{\"input\":\"hi\",\"temperature\":9}|temperature|invalid_value",
        "{\"input\":\"hi\",\"truncation\":\"sometimes\"}|truncation|invalid_value",
        "{\"input\":\"hi\",\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"x\",\"schema\":{\"type\":\"string\",\"minLength\":3}}}}|text.format.schema.minLength|invalid_value",
        "{\"input\":\"hi\",\"text\":{\"format\":{\"type\":\"yaml\"}}}|text.format.type|invalid_value",
        "{\"input\":\"hi\",\"reasoning\":{\"effort\":\"extreme\"}}|reasoning.effort|invalid_value",
        "{\"input\":\"hi\",\"reasoning\":{\"summary\":\"detailed\"}}|reasoning.summary|unsupported_parameter",
        "{\"input\":\"hi\",\"previous_response_id\":\"resp_nope\"}|previous_response_id|previous_response_not_found",
        "{\"input\":\"hi\",\"messages\":[]}|messages|unsupported_parameter",
        "{\"input\":\"hi\",\"include\":[\"reasoning.encrypted_content\"]}|include|unsupported_parameter",
        "{\"input\":\"hi\",\"tool_choice\":{\"type\":\"web_search\"}}|tool_choice|unsupported_parameter",
        "{}|input|invalid_value"})
    void responsesRefuseWhatTheyCannotHonourByName(String body, String param, String code) {
        post("/v1/responses", body).then().statusCode(400).contentType(ContentType.JSON)
                .body("error.type", equalTo("invalid_request_error")).body("error.param", equalTo(param))
                .body("error.code", equalTo(code)).body("error.message", containsString(
                        code.equals("previous_response_not_found") ? "resp_nope" : param.replaceAll("\\..*|\\[.*", "")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"prompt\":\"hi\",\"suffix\":\"end\"}|suffix|unsupported_parameter",
        "{\"prompt\":\"hi\",\"messages\":[]}|messages|unsupported_parameter",
        "{\"prompt\":\"hi\",\"tools\":[]}|tools|unsupported_parameter",
        "{\"prompt\":\"hi\",\"logprobs\":21}|logprobs|invalid_value",
        "{\"prompt\":\"hi\",\"max_tokens\":0}|max_tokens|invalid_value",
        "{\"prompt\":\"hi\",\"top_p\":0}|top_p|invalid_value",
        "{\"prompt\":\"hi\",\"echo\":true,\"logprobs\":1}|echo|unsupported_parameter",
        "{\"prompt\":[1,2,99999999]}|prompt|invalid_value",
        "{\"prompt\":[[1,2],\"x\"]}|prompt[1]|invalid_value",
        "{\"prompt\":[]}|prompt|invalid_value",
        "{\"prompt\":{\"a\":1}}|prompt|invalid_value",
        "{\"max_tokens\":1}|prompt|invalid_value",
        "{\"prompt\":\"hi\",\"use_beam_search\":true}|use_beam_search|unsupported_parameter"})
    void completionsRefuseWhatTheyCannotHonourByName(String body, String param, String code) {
        post("/v1/completions", body).then().statusCode(400).contentType(ContentType.JSON)
                .body("error.param", equalTo(param)).body("error.code", equalTo(code));
    }

    @Test
    void completionPromptsAsStringsAndTokenIdsWithEcho() {
        Response ids = post("/v1/completions", """
                {"model":"%s","prompt":[[5,6,7],[8,9]],"n":2,"max_tokens":3,"temperature":0,"echo":true,
                 "ignore_eos":true}""".formatted(MODEL));
        ids.then().statusCode(200).body("object", equalTo("text_completion")).body("choices", hasSize(4))
                .body("choices.index", equalTo(List.of(0, 1, 2, 3))).body("usage.prompt_tokens", equalTo(5))
                .body("usage.completion_tokens", equalTo(12));
        // Each prompt counts once however many choices it has; n choices per prompt, prompt by prompt; greedy
        // choices of one prompt agree.
        List<String> texts = ids.path("choices.text");
        assertEquals(texts.get(0), texts.get(1));
        assertEquals(texts.get(2), texts.get(3));
        Response plain = post("/v1/completions", """
                {"model":"%s","prompt":["One","Two"],"max_tokens":2,"temperature":0,"ignore_eos":true}"""
                .formatted(MODEL));
        plain.then().statusCode(200).body("choices", hasSize(2)).body("usage.completion_tokens", equalTo(4));
        Response echoed = post("/v1/completions", """
                {"model":"%s","prompt":"One","max_tokens":2,"temperature":0,"ignore_eos":true,"echo":true}"""
                .formatted(MODEL));
        String first = plain.path("choices[0].text");
        assertEquals("One" + first, echoed.path("choices[0].text"));
    }

    @Test
    void inputItemsPageAndResponsesEchoTheirSettings() {
        Response created = post("/v1/responses", """
                {"model":"%s","input":[{"role":"developer","content":"Be brief."},
                 {"type":"message","role":"user","content":[{"type":"input_text","text":"Hi"}]},
                 {"role":"assistant","content":"Hello."},{"role":"user","content":"Again"}],
                 "max_output_tokens":2,"temperature":0.5,"top_p":0.9,"metadata":{"team":"a"},"user":"u1"}"""
                .formatted(MODEL));
        created.then().statusCode(200).body("object", equalTo("response")).body("store", equalTo(true))
                .body("temperature", equalTo(0.5f)).body("top_p", equalTo(0.9f)).body("metadata.team", equalTo("a"))
                .body("user", equalTo("u1")).body("tool_choice", equalTo("none")).body("truncation",
                        equalTo("disabled")).body("text.format.type", equalTo("text"));
        String id = created.path("id");
        given().get("/v1/responses/" + id + "/input_items?order=asc&limit=2").then().statusCode(200)
                .body("object", equalTo("list")).body("data", hasSize(2)).body("data[0].role", equalTo("developer"))
                .body("has_more", equalTo(true));
        Response desc = given().get("/v1/responses/" + id + "/input_items");
        desc.then().statusCode(200).body("data", hasSize(4)).body("data[0].role", equalTo("user"))
                .body("data[0].content[0].text", equalTo("Again")).body("has_more", equalTo(false));
        String second = desc.path("data[1].id");
        given().get("/v1/responses/" + id + "/input_items?after=" + second).then().statusCode(200)
                .body("data", hasSize(2)).body("data[0].role", equalTo("user"));
        given().get("/v1/responses/" + id + "/input_items?limit=0").then().statusCode(400)
                .body("error.param", equalTo("limit"));
        given().delete("/v1/responses/" + id).then().statusCode(200).body("deleted", equalTo(true))
                .body("object", equalTo("response.deleted"));
        given().get("/v1/responses/" + id + "/input_items").then().statusCode(404);
    }
}
