package io.djinn.api;

import io.djinn.common.Json;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The request contract of chat completions parameter by parameter: each boundary and invalid value is a 400 naming
 * the parameter, each valid value does what the documents say; plus /tokenize, /detokenize and client disconnects.
 */
@QuarkusTest
class ChatContractTest {

    private static final String USER = "{\"role\":\"user\",\"content\":\"Tell me about llamas\"}";

    @TestHTTPResource("/")
    URL root;

    @BeforeEach
    void ready() {
        ServerReady.await();
    }

    static Response post(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/v1/chat/completions");
    }

    /** A request with one user message, two output tokens, and the given extra fields. */
    static String req(String extra) {
        return "{\"messages\":[" + USER + "],\"max_tokens\":2" + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    static JsonNode json(Response r) throws Exception {
        return Json.MAPPER.readTree(r.then().statusCode(200).extract().asString());
    }

    private static final String STOPS_33 = IntStream.range(0, 33).mapToObj(i -> "\"s" + i + "\"")
            .collect(Collectors.joining(",", "[", "]"));

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            temperature below 0        | "temperature":-0.1                     | invalid_value | temperature
            temperature above 4        | "temperature":4.01                     | invalid_value | temperature
            top_p above 1              | "top_p":1.01                           | invalid_value | top_p
            top_k below -1             | "top_k":-2                             | invalid_value | top_k
            min_p above 1              | "min_p":1.5                            | invalid_value | min_p
            min_p below 0              | "min_p":-0.1                           | invalid_value | min_p
            presence_penalty above 2   | "presence_penalty":2.5                 | invalid_value | presence_penalty
            presence_penalty below -2  | "presence_penalty":-2.01               | invalid_value | presence_penalty
            frequency_penalty above 2  | "frequency_penalty":3                  | invalid_value | frequency_penalty
            repetition_penalty zero    | "repetition_penalty":0                 | invalid_value | repetition_penalty
            logit_bias above 100       | "logit_bias":{"5":100.5}               | invalid_value | logit_bias
            logit_bias below -100      | "logit_bias":{"5":-101}                | invalid_value | logit_bias
            logit_bias key not an id   | "logit_bias":{"abc":1}                 | invalid_value | logit_bias
            logit_bias outside vocab   | "logit_bias":{"1024":1}                | invalid_value | logit_bias
            logprobs wrong type        | "logprobs":"yes"                       | invalid_type  | logprobs
            top_logprobs above 20      | "logprobs":true,"top_logprobs":21      | invalid_value | top_logprobs
            top_logprobs below 0       | "logprobs":true,"top_logprobs":-1      | invalid_value | top_logprobs
            top_logprobs w/o logprobs  | "top_logprobs":2                       | invalid_value | top_logprobs
            n zero                     | "n":0                                  | invalid_value | n
            n above 128                | "n":129                                | invalid_value | n
            best_of other than n       | "best_of":2                            | unsupported_parameter | best_of
            seed wrong type            | "seed":"abc"                           | invalid_type  | seed
            stop empty string          | "stop":""                              | invalid_value | stop
            stop number                | "stop":5                               | invalid_value | stop
            stop list of numbers       | "stop":[1]                             | invalid_value | stop
            stop 33 strings            | "stop":STOPS_33                        | invalid_value | stop
            stop_token_ids negative    | "stop_token_ids":[-1]                  | invalid_value | stop_token_ids[0]
            stop_token_ids outside     | "stop_token_ids":[1024]                | invalid_value | stop_token_ids
            min_tokens negative        | "min_tokens":-1                        | invalid_value | min_tokens
            min_tokens above max       | "min_tokens":3                         | invalid_value | min_tokens
            bad_words empty word       | "bad_words":[""]                       | invalid_value | bad_words[0]
            bad_words not a list       | "bad_words":"x"                        | invalid_type  | bad_words
            truncate_prompt_tokens 0   | "truncate_prompt_tokens":0             | invalid_value | truncate_prompt_tokens
            truncate_prompt_tokens -2  | "truncate_prompt_tokens":-2            | invalid_value | truncate_prompt_tokens
            truncate beyond context    | "truncate_prompt_tokens":4096          | invalid_value | truncate_prompt_tokens
            service_tier unknown       | "service_tier":"flex"                  | invalid_value | service_tier
            reasoning_effort unknown   | "reasoning_effort":"max"               | invalid_value | reasoning_effort
            schema keyword unsupported | "response_format":{"type":"json_schema","json_schema":{"name":"d","schema":{"type":"string","format":"date"}}} | invalid_value | response_format.json_schema.schema.format
            structured_outputs grammar | "structured_outputs":{"grammar":"root ::= x"} | invalid_value | structured_outputs
            structured_outputs two     | "structured_outputs":{"regex":"a","choice":["b"]} | invalid_value | structured_outputs
            guided_grammar             | "guided_grammar":"root ::= x"          | unsupported_parameter | guided_grammar
            two constraints            | "guided_regex":"a+","guided_choice":["a"] | invalid_value | guided_choice
            regex lookahead            | "guided_regex":"(?=a)a"                | invalid_value | guided_regex
            thinking budget negative   | "thinking_token_budget":-2             | invalid_value | thinking_token_budget
            forced tool not an object  | "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"string"}}}],"tool_choice":"required" | invalid_value | tools[0].function.parameters.type
            response_format bad type   | "response_format":{"type":"xml"}       | invalid_value | response_format
            response_format no schema  | "response_format":{"type":"json_schema"} | invalid_value | response_format
            tools malformed            | "tools":[{"type":"function"}]          | invalid_value | tools[0]
            named tool not in tools    | "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"g"}} | invalid_value | tool_choice
            tool_choice unknown        | "tool_choice":"always"                 | invalid_value | tool_choice
            tool_choice without tools  | "tool_choice":"required"               | invalid_value | tool_choice
            tool_choice named no tools | "tool_choice":{"type":"function","function":{"name":"f"}} | invalid_value | tool_choice
            length_penalty not 1       | "length_penalty":2                     | unsupported_parameter | length_penalty
            early_stopping true        | "early_stopping":true                  | unsupported_parameter | early_stopping
            stream_options w/o stream  | "stream_options":{"include_usage":true} | invalid_value | stream_options
            max_tokens above the cap   | "max_completion_tokens":20000          | invalid_value | max_completion_tokens
            max_completion_tokens zero | "max_completion_tokens":0              | invalid_value | max_completion_tokens
            continue without assistant | "continue_final_message":true          | invalid_value | continue_final_message
            echo wrong type            | "echo":"yes"                           | invalid_type  | echo
            chat_template broken       | "chat_template":"{{ messages[0].nope() }}" | chat_template_error | chat_template
            """)
    void invalidValueIsA400NamingTheParameter(String name, String extra, String code, String param) {
        post(req(extra.replace("STOPS_33", STOPS_33))).then().statusCode(400).contentType(ContentType.JSON)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo(code))
                .body("error.param", equalTo(param))
                .body("error.message", notNullValue());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\"temperature\":0", "\"temperature\":4", "\"top_p\":1", "\"top_k\":-1", "\"top_k\":0",
            "\"min_p\":0", "\"min_p\":1", "\"presence_penalty\":-2", "\"presence_penalty\":2",
            "\"frequency_penalty\":-2", "\"frequency_penalty\":2", "\"repetition_penalty\":0.5",
            "\"logit_bias\":{\"5\":100,\"6\":-100}", "\"logprobs\":true,\"top_logprobs\":20",
            "\"logprobs\":true,\"top_logprobs\":0", "\"n\":1,\"best_of\":1", "\"n\":3,\"best_of\":3",
            "\"seed\":-9223372036854775808", "\"stop\":\"\\n\"", "\"stop\":STOPS_32", "\"stop_token_ids\":[0,1023]",
            "\"min_tokens\":2", "\"bad_words\":[\"llama\",\" the\"]", "\"truncate_prompt_tokens\":-1",
            "\"truncate_prompt_tokens\":4095", "\"service_tier\":\"auto\"", "\"service_tier\":\"default\"",
            "\"service_tier\":\"priority\"", "\"reasoning_effort\":\"none\"", "\"reasoning_effort\":\"xhigh\"",
            "\"response_format\":{\"type\":\"text\"}", "\"length_penalty\":1", "\"early_stopping\":false",
            "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{}}}],"
                    + "\"tool_choice\":\"none\"", "\"parallel_tool_calls\":true", "\"user\":\"u-1\"",
            "\"skip_special_tokens\":false", "\"spaces_between_special_tokens\":false",
            "\"include_stop_str_in_output\":true", "\"add_special_tokens\":true", "\"echo\":true",
            "\"documents\":[{\"title\":\"t\",\"text\":\"x\"}]", "\"chat_template_kwargs\":{\"enable_thinking\":false}",
            "\"max_completion_tokens\":1,\"max_tokens\":3"})
    void boundaryValueIsAccepted(String extra) throws Exception {
        String stops32 = IntStream.range(0, 32).mapToObj(i -> "\"s" + i + "\"")
                .collect(Collectors.joining(",", "[", "]"));
        JsonNode c = json(post(req(extra.replace("STOPS_32", stops32))));
        assertEquals("chat.completion", c.get("object").asText());
        assertTrue(c.at("/usage/completion_tokens").asInt() >= 1);
    }

    @Test
    void maxCompletionTokensWinsAndMaxTokensBoundsOutput() throws Exception {
        assertEquals(5, json(post(req("\"max_tokens\":5,\"ignore_eos\":true").replace("\"max_tokens\":2,", "")))
                .at("/usage/completion_tokens").asInt());
        assertEquals(3, json(post(req("\"max_completion_tokens\":3,\"ignore_eos\":true")))
                .at("/usage/completion_tokens").asInt());
    }

    @Test
    void defaultOutputLengthIsWhatFitsTheContext() throws Exception {
        String longText = "llama ".repeat(5000);
        JsonNode c = json(post("{\"messages\":[{\"role\":\"user\",\"content\":\"" + longText + "\"}],"
                + "\"ignore_eos\":true,\"truncate_prompt_tokens\":4090}"));
        assertEquals(4090, c.at("/usage/prompt_tokens").asInt());
        assertEquals(6, c.at("/usage/completion_tokens").asInt());
        assertEquals("length", c.at("/choices/0/finish_reason").asText());
    }

    @Test
    void promptThatDoesNotFitStatesBothNumbersUnlessTruncated() throws Exception {
        String longText = "llama ".repeat(5000);
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + longText + "\"}],\"max_tokens\":4%s}";
        post(body.formatted("")).then().statusCode(400).body("error.code", equalTo("context_length_exceeded"))
                .body("error.param", equalTo("messages")).body("error.message", containsString("4096"));
        JsonNode c = json(post(body.formatted(",\"truncate_prompt_tokens\":100")));
        assertEquals(100, c.at("/usage/prompt_tokens").asInt());
        assertEquals(4, c.at("/usage/completion_tokens").asInt());
    }

    @Test
    void stopTokenIdsEndTheChoiceEvenWithIgnoreEos() throws Exception {
        String all = IntStream.range(0, 1024).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
        JsonNode c = json(post(req("\"ignore_eos\":true,\"stop_token_ids\":" + all).replace("\"max_tokens\":2",
                "\"max_tokens\":20")));
        assertEquals(1, c.at("/usage/completion_tokens").asInt());
        assertEquals("stop", c.at("/choices/0/finish_reason").asText());
    }

    @Test
    void nChoicesAreIndependentReproducibleAndCounted() throws Exception {
        String seeded = "{\"messages\":[" + USER + "],\"max_tokens\":12,\"temperature\":1,\"ignore_eos\":true,"
                + "\"seed\":%d%s}";
        JsonNode three = json(post(seeded.formatted(7, ",\"n\":3")));
        assertEquals(3, three.get("choices").size());
        int completion = 0;
        for (int i = 0; i < 3; i++) {
            JsonNode choice = three.get("choices").get(i);
            assertEquals(i, choice.get("index").asInt());
            assertEquals("length", choice.get("finish_reason").asText());
            completion += 12;
        }
        assertEquals(completion, three.at("/usage/completion_tokens").asInt());
        int prompt = three.at("/usage/prompt_tokens").asInt();
        assertEquals(prompt + completion, three.at("/usage/total_tokens").asInt());
        // Choice i samples with seed + i: each is what n = 1 gives with that seed.
        for (int i = 0; i < 3; i++) {
            String single = json(post(seeded.formatted(7 + i, ""))).at("/choices/0/message/content").asText();
            assertEquals(single, three.at("/choices/" + i + "/message/content").asText(), "choice " + i);
        }
        assertNotEquals(three.at("/choices/0/message/content").asText(),
                three.at("/choices/1/message/content").asText());
        assertEquals(three.get("choices"), json(post(seeded.formatted(7, ",\"n\":3"))).get("choices"));
    }

    @Test
    void streamedChoicesInterleaveWithOneFinishEachAndUsageOfAll() throws Exception {
        String body = post("{\"messages\":[" + USER + "],\"max_tokens\":6,\"ignore_eos\":true,\"n\":2,\"stream\":true,"
                + "\"seed\":3,\"service_tier\":\"priority\",\"stream_options\":{\"include_usage\":true}}")
                .then().statusCode(200).extract().asString();
        List<JsonNode> chunks = SseEvents.chunks(body);
        int[] roles = new int[2];
        int[] finishes = new int[2];
        StringBuilder[] text = {new StringBuilder(), new StringBuilder()};
        for (JsonNode c : chunks) {
            assertEquals("priority", c.get("service_tier").asText());
            for (JsonNode choice : c.get("choices")) {
                int i = choice.get("index").asInt();
                if (choice.at("/delta/role").isTextual()) {
                    roles[i]++;
                }
                if (choice.at("/delta/content").isTextual()) {
                    text[i].append(choice.at("/delta/content").asText());
                }
                if (!choice.get("finish_reason").isNull()) {
                    finishes[i]++;
                }
            }
        }
        assertEquals(List.of(1, 1), List.of(roles[0], roles[1]));
        assertEquals(List.of(1, 1), List.of(finishes[0], finishes[1]));
        JsonNode usage = chunks.getLast();
        assertTrue(usage.get("choices").isEmpty());
        assertEquals(12, usage.at("/usage/completion_tokens").asInt());
        JsonNode plain = json(post("{\"messages\":[" + USER + "],\"max_tokens\":6,\"ignore_eos\":true,\"n\":2,"
                + "\"seed\":3}"));
        assertEquals(plain.at("/choices/0/message/content").asText(), text[0].toString());
        assertEquals(plain.at("/choices/1/message/content").asText(), text[1].toString());
    }

    @Test
    void continuousUsageStatsRideOnEveryChunk() throws Exception {
        String body = post(req("\"stream\":true,\"ignore_eos\":true,\"stream_options\":{\"include_usage\":true,"
                + "\"continuous_usage_stats\":true}").replace("\"max_tokens\":2", "\"max_tokens\":5"))
                .then().statusCode(200).extract().asString();
        List<JsonNode> chunks = SseEvents.chunks(body);
        int last = -1;
        for (JsonNode c : chunks) {
            int completion = c.at("/usage/completion_tokens").asInt(-1);
            assertTrue(completion >= last && completion >= 0, c.toString());
            last = completion;
        }
        assertEquals(5, last);
    }

    @ParameterizedTest
    @CsvSource({"'\"service_tier\":\"priority\"',priority", "'\"service_tier\":\"auto\"',default",
            "'\"service_tier\":\"default\"',default", "'\"user\":\"x\"',default"})
    void serviceTierIsEchoed(String extra, String tier) {
        post(req(extra)).then().statusCode(200).body("service_tier", equalTo(tier));
    }

    @Test
    void echoPrependsTheFinalAssistantMessage() throws Exception {
        String body = "{\"messages\":[" + USER + ",{\"role\":\"assistant\",\"content\":\"Llamas are\"}],"
                + "\"max_tokens\":4,\"temperature\":0,\"ignore_eos\":true%s}";
        String plain = json(post(body.formatted(""))).at("/choices/0/message/content").asText();
        String echoed = json(post(body.formatted(",\"echo\":true"))).at("/choices/0/message/content").asText();
        assertEquals("Llamas are" + plain, echoed);
        String streamed = post(body.formatted(",\"echo\":true,\"stream\":true")).then().statusCode(200).extract()
                .asString();
        StringBuilder text = new StringBuilder();
        for (JsonNode c : SseEvents.chunks(streamed)) {
            JsonNode d = c.at("/choices/0/delta/content");
            if (d.isTextual()) {
                text.append(d.asText());
            }
        }
        assertEquals(echoed, text.toString());
    }

    @Test
    void finalAssistantMessageIsContinuedByConventionOrFlag() throws Exception {
        String messages = "[" + USER + ",{\"role\":\"assistant\",\"content\":\"Llamas are\"}]";
        JsonNode continued = tokenize("{\"messages\":" + messages + "}");
        JsonNode flagged = tokenize("{\"messages\":" + messages + ",\"continue_final_message\":true,"
                + "\"add_generation_prompt\":false}");
        JsonNode newTurn = tokenize("{\"messages\":" + messages + ",\"continue_final_message\":false}");
        assertEquals(continued.get("tokens"), flagged.get("tokens"));
        assertTrue(detokenize(continued.get("tokens")).endsWith("Llamas are"));
        assertTrue(detokenize(newTurn.get("tokens")).endsWith("<|im_start|>assistant\n"));
        JsonNode c = json(post("{\"messages\":" + messages + ",\"max_tokens\":2}"));
        assertEquals(continued.get("count").asInt(), c.at("/usage/prompt_tokens").asInt());
        post("{\"messages\":" + messages + ",\"max_tokens\":2,\"continue_final_message\":true,"
                + "\"add_generation_prompt\":true}").then().statusCode(400)
                .body("error.param", equalTo("continue_final_message"));
    }

    @Test
    void templateVariablesReachTheTemplate() throws Exception {
        String template = "{{ reasoning_effort }}|{{ flavour }}|{{ documents[0].title }}|{{ add_generation_prompt }}";
        String fields = "\"chat_template\":\"" + template + "\",\"reasoning_effort\":\"high\","
                + "\"chat_template_kwargs\":{\"flavour\":\"mint\"},\"documents\":[{\"title\":\"Alpaca\"}]";
        JsonNode t = tokenize("{\"messages\":[" + USER + "]," + fields + ",\"add_generation_prompt\":false}");
        assertEquals("high|mint|Alpaca|false", detokenize(t.get("tokens")));
        JsonNode c = json(post(req(fields + ",\"add_generation_prompt\":false")));
        assertEquals(t.get("count").asInt(), c.at("/usage/prompt_tokens").asInt());
    }

    @Test
    void toolsReachTheTemplateWithToolChoiceNone() throws Exception {
        String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"description\":\"Weather now\",\"parameters\":{\"type\":\"object\"}}}]";
        JsonNode with = tokenize("{\"messages\":[" + USER + "]," + tools + "}");
        JsonNode without = tokenize("{\"messages\":[" + USER + "]}");
        assertTrue(detokenize(with.get("tokens")).contains("get_weather"));
        assertTrue(with.get("count").asInt() > without.get("count").asInt());
        JsonNode c = json(post(req(tools + ",\"tool_choice\":\"none\"")));
        assertEquals(with.get("count").asInt(), c.at("/usage/prompt_tokens").asInt());
        assertTrue(c.at("/choices/0/message/content").isTextual());
    }

    @Test
    void addGenerationPromptFalseLeavesTheTurnClosed() throws Exception {
        int open = json(post(req(""))).at("/usage/prompt_tokens").asInt();
        int closed = json(post(req("\"add_generation_prompt\":false"))).at("/usage/prompt_tokens").asInt();
        assertTrue(closed < open, closed + " vs " + open);
    }

    // ---- sampling parameters, through the engine ----

    /** Greedy, EOS ignored, special tokens banned so the text is exactly the tokens' bytes. */
    private static final String GREEDY = "\"temperature\":0,\"ignore_eos\":true,\"logit_bias\":{\"1017\":-100,"
            + "\"1018\":-100,\"1019\":-100,\"1020\":-100,\"1021\":-100,\"1022\":-100,\"1023\":-100}";

    private static String greedy(int maxTokens, String extra) {
        return "{\"messages\":[" + USER + "],\"max_tokens\":" + maxTokens + "," + GREEDY
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    private static String content(JsonNode c) {
        return c.at("/choices/0/message/content").asText();
    }

    @Test
    void logprobsHaveTheDocumentedShapeInBothModes() throws Exception {
        JsonNode c = json(post(greedy(6, "\"logprobs\":true,\"top_logprobs\":3")));
        JsonNode entries = c.at("/choices/0/logprobs/content");
        assertEquals(6, entries.size());
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (JsonNode e : entries) {
            assertTrue(e.get("token").isTextual());
            assertTrue(e.get("logprob").isNumber() && e.get("logprob").asDouble() <= 0);
            assertEquals(3, e.get("top_logprobs").size());
            // Logprobs are the model's raw ones (before logit_bias), so the chosen token is at most as likely as
            // the top alternative.
            assertTrue(e.get("logprob").asDouble() <= e.at("/top_logprobs/0/logprob").asDouble() + 1e-6);
            double previous = 0;
            for (JsonNode top : e.get("top_logprobs")) {
                assertTrue(top.get("logprob").asDouble() <= previous + 1e-9);
                previous = top.get("logprob").asDouble();
                assertTrue(top.get("bytes").isArray());
            }
            e.get("bytes").forEach(b -> bytes.write(b.asInt()));
        }
        assertEquals(content(c), bytes.toString(StandardCharsets.UTF_8));
        assertTrue(c.at("/choices/0/logprobs/refusal").isNull());
        post(greedy(2, "")).then().body("choices[0].logprobs", org.hamcrest.Matchers.nullValue());

        String body = post(greedy(6, "\"logprobs\":true,\"top_logprobs\":3,\"stream\":true")).then()
                .statusCode(200).extract().asString();
        List<JsonNode> streamed = new ArrayList<>();
        for (JsonNode chunk : SseEvents.chunks(body)) {
            JsonNode lp = chunk.at("/choices/0/logprobs/content");
            if (lp.isArray()) {
                lp.forEach(streamed::add);
            }
        }
        assertEquals(Json.MAPPER.valueToTree(streamed), entries);
    }

    @Test
    void stopStringsCutTheTextInBothModes() throws Exception {
        String full = content(json(post(greedy(16, ""))));
        assertTrue(full.length() >= 8, full);
        String stop = full.substring(4, 7);
        int at = full.indexOf(stop);
        String stopJson = Json.MAPPER.writeValueAsString(stop);
        JsonNode cut = json(post(greedy(16, "\"stop\":[\"never-appears\"," + stopJson + "]")));
        assertEquals(full.substring(0, at), content(cut));
        assertEquals("stop", cut.at("/choices/0/finish_reason").asText());
        JsonNode kept = json(post(greedy(16, "\"stop\":" + stopJson + ",\"include_stop_str_in_output\":true")));
        assertEquals(full.substring(0, at + stop.length()), content(kept));
        String body = post(greedy(16, "\"stop\":" + stopJson + ",\"stream\":true")).then().statusCode(200)
                .extract().asString();
        StringBuilder text = new StringBuilder();
        for (JsonNode chunk : SseEvents.chunks(body)) {
            JsonNode d = chunk.at("/choices/0/delta/content");
            if (d.isTextual()) {
                text.append(d.asText());
            }
        }
        assertEquals(full.substring(0, at), text.toString());
    }

    /** The greedy answer without penalties, shared by the penalty cases (the server is the same for all). */
    private static String greedyBaseline;

    @ParameterizedTest
    @ValueSource(strings = {"\"frequency_penalty\":2", "\"presence_penalty\":2", "\"repetition_penalty\":1.8",
            "\"presence_penalty\":-2", "\"repetition_penalty\":0.3"})
    void penaltiesChangeTheOutput(String penalty) throws Exception {
        if (greedyBaseline == null) {
            greedyBaseline = content(json(post(greedy(24, ""))));
        }
        assertNotEquals(greedyBaseline, content(json(post(greedy(24, penalty)))));
    }

    @Test
    void logitBiasForcesAToken() throws Exception {
        JsonNode c = json(post("{\"messages\":[" + USER + "],\"max_tokens\":4,\"temperature\":0,"
                + "\"ignore_eos\":true,\"logit_bias\":{\"300\":100}}"));
        assertEquals(detokenize(Json.MAPPER.readTree("[300,300,300,300]")), content(c));
    }

    @Test
    void specialTokensAreSkippedOrSpacedAsAsked() throws Exception {
        String think = "{\"messages\":[" + USER + "],\"max_tokens\":3,\"temperature\":0,\"ignore_eos\":true,"
                + "\"logit_bias\":{\"1018\":100}%s}";
        assertEquals("", content(json(post(think.formatted("")))));
        // Kept special tokens read as the tokenizer decodes them (vLLM's fast-tokenizer behaviour); without spaces
        // between special tokens, adjacent ones are their bare contents.
        assertEquals(detokenize(Json.MAPPER.readTree("[1018,1018,1018]")),
                content(json(post(think.formatted(",\"skip_special_tokens\":false")))));
        assertEquals("<|im_start|><|im_start|><|im_start|>", content(json(post(think.formatted(
                ",\"skip_special_tokens\":false,\"spaces_between_special_tokens\":false")))));
    }

    @Test
    void eosEndsTheChoiceUnlessIgnored() throws Exception {
        String eos = "{\"messages\":[" + USER + "],\"max_tokens\":3,\"temperature\":0,"
                + "\"logit_bias\":{\"1019\":100}%s}";
        JsonNode stopped = json(post(eos.formatted("")));
        assertEquals("stop", stopped.at("/choices/0/finish_reason").asText());
        assertEquals(1, stopped.at("/usage/completion_tokens").asInt());
        JsonNode ignored = json(post(eos.formatted(",\"ignore_eos\":true")));
        assertEquals("length", ignored.at("/choices/0/finish_reason").asText());
        assertEquals(3, ignored.at("/usage/completion_tokens").asInt());
        JsonNode min = json(post(eos.formatted(",\"min_tokens\":2")));
        assertTrue(min.at("/usage/completion_tokens").asInt() >= 2, min.toString());
    }

    @Test
    void minPOfOneIsGreedy() throws Exception {
        String sampled = "{\"messages\":[" + USER + "],\"max_tokens\":12,\"temperature\":1,\"seed\":11,"
                + "\"ignore_eos\":true%s}";
        String greedy = content(json(post(sampled.replace("\"temperature\":1,\"seed\":11", "\"temperature\":0")
                .formatted(""))));
        assertEquals(greedy, content(json(post(sampled.formatted(",\"min_p\":1")))));
        assertNotEquals(greedy, content(json(post(sampled.formatted("")))));
    }

    @Test
    void badWordsAreNeverGenerated() throws Exception {
        JsonNode base = json(post(greedy(12, "\"logprobs\":true")));
        Integer banned = null;
        String word = null;
        for (JsonNode e : base.at("/choices/0/logprobs/content")) {
            String text = e.get("token").asText();
            if (text.isBlank() || Character.isWhitespace(text.charAt(0)) || text.contains("\uFFFD")) {
                continue;
            }
            JsonNode ids = tokenize("{\"prompt\":" + Json.MAPPER.writeValueAsString(text) + "}").get("tokens");
            if (ids.size() == 1) {
                banned = ids.get(0).asInt();
                word = text;
                break;
            }
        }
        assertTrue(banned != null, "no single-token word in " + base);
        JsonNode c = json(post(greedy(12, "\"logprobs\":true,\"bad_words\":[" + Json.MAPPER.writeValueAsString(word)
                + "]")));
        for (JsonNode e : c.at("/choices/0/logprobs/content")) {
            assertNotEquals(word, e.get("token").asText());
        }
        assertNotEquals(content(base), content(c));
    }

    // ---- /tokenize and /detokenize ----

    static JsonNode tokenize(String body) throws Exception {
        return Json.MAPPER.readTree(given().contentType(ContentType.JSON).body(body).post("/tokenize").then()
                .statusCode(200).extract().asString());
    }

    static String detokenize(JsonNode tokens) {
        return given().contentType(ContentType.JSON).body("{\"tokens\":" + tokens + "}").post("/detokenize").then()
                .statusCode(200).extract().path("prompt");
    }

    @Test
    void tokenizeRoundTripsAndCountsWhatChatCompletionsBill() throws Exception {
        String text = "Llamas 🦙 and alpacas: 漢字, tabs\tand newlines\n!";
        JsonNode t = tokenize("{\"prompt\":\"" + text.replace("\t", "\\t").replace("\n", "\\n")
                + "\",\"return_token_strs\":true}");
        assertEquals(t.get("tokens").size(), t.get("count").asInt());
        assertEquals(4096, t.get("max_model_len").asInt());
        assertEquals(t.get("count").asInt(), t.get("token_strs").size());
        assertEquals(text, detokenize(t.get("tokens")));
        for (String body : List.of(req(""), req("\"add_generation_prompt\":false"),
                "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"}," + USER + "],\"max_tokens\":1}")) {
            JsonNode request = Json.MAPPER.readTree(body);
            JsonNode counted = tokenize(body.replace(",\"max_tokens\":2", "").replace(",\"max_tokens\":1", ""));
            assertEquals(counted.get("count").asInt(), json(post(body)).at("/usage/prompt_tokens").asInt(),
                    request.toString());
        }
        assertTrue(detokenize(tokenize(req("")).get("tokens")).contains("<|im_start|>user\nTell me about llamas"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /tokenize   | {"prompt":"x","messages":[{"role":"user","content":"x"}]} | 400 | prompt
            /tokenize   | {"model":"djinn-tiny-llama"}                             | 400 | messages
            /tokenize   | {"messages":[]}                                           | 400 | messages
            /tokenize   | {"messages":[{"role":"robot","content":"x"}]}             | 400 | messages[0].role
            /tokenize   | {"prompt":"x","model":"other"}                            | 404 | model
            /tokenize   | not json                                                  | 400 |
            /detokenize | {"tokens":[1,1024]}                                       | 400 | tokens[1]
            /detokenize | {"tokens":[-3]}                                           | 400 | tokens[0]
            /detokenize | {"tokens":"abc"}                                          | 400 | tokens
            /detokenize | {}                                                        | 400 | tokens
            """)
    void tokenizeErrorsAreOpenAiShaped(String path, String body, int status, String param) {
        var r = given().contentType(ContentType.JSON).body(body).post(path).then().statusCode(status)
                .contentType(ContentType.JSON).body("error.message", notNullValue())
                .body("error.code", notNullValue());
        if (param != null) {
            r.body("error.param", equalTo(param));
        }
    }

    // ---- disconnect ----

    @Test
    void clientDisconnectStopsTheSequence() throws Exception {
        long abortedBefore = abortedRequests();
        String body = "{\"messages\":[" + USER + "],\"max_tokens\":4000,\"ignore_eos\":true,\"stream\":true}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket(root.getHost(), root.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            List<String> events = new ArrayList<>();
            String line;
            while (events.size() < 5 && (line = in.readLine()) != null) {
                if (line.startsWith("data: {")) {
                    events.add(line);
                }
            }
            assertEquals(5, events.size());
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (abortedRequests() == abortedBefore && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(abortedBefore + 1, abortedRequests(), "the engine did not retire the sequence");
        // The engine has room again: a new request runs to completion right away.
        assertFalse(json(post(req(""))).at("/choices/0/finish_reason").isNull());
    }

    /** The engine's count of requests it retired because their client went away, as /metrics reports it. */
    private static long abortedRequests() {
        for (String line : given().get("/metrics").then().statusCode(200).extract().asString().split("\n")) {
            if (line.startsWith("djinn_request_success_total{") && line.contains("finished_reason=\"abort\"")) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no abort counter in /metrics");
    }
}
