package io.djinn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonSchemaLocalValidation;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ToolChoiceOptions;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK's Responses API against Djinn: create (plain, streamed, structured, tools), retrieve,
 * input items, delete. */
@QuarkusTest
class ResponsesSdkTest {

    @TestHTTPResource("/v1")
    URL base;

    OpenAIClient client;

    @BeforeEach
    void setUp() {
        ServerReady.await();
        client = OpenAIOkHttpClient.builder().baseUrl(base.toString()).apiKey("unused").maxRetries(0).build();
    }

    private ResponseCreateParams.Builder params() {
        return ResponseCreateParams.builder().model(ChatCompletionsApiTest.MODEL).instructions("You are terse.")
                .input("Say hello in three languages.").maxOutputTokens(9).temperature(0.0);
    }

    private static String text(Response r) {
        StringBuilder sb = new StringBuilder();
        for (ResponseOutputItem item : r.output()) {
            item.message().ifPresent(m -> m.content().forEach(c -> c.outputText().ifPresent(t -> sb.append(t.text()))));
        }
        return sb.toString();
    }

    @Test
    void plainAndStreamedTextAgree() {
        Response plain = client.responses().create(params().build());
        plain.validate();
        assertTrue(plain.id().startsWith("resp_"), plain.id());
        assertEquals(ChatCompletionsApiTest.MODEL, plain.model().asString());
        assertEquals("You are terse.", plain.instructions().orElseThrow().asString());
        assertEquals(9L, plain.maxOutputTokens().orElseThrow());
        var usage = plain.usage().orElseThrow();
        assertTrue(usage.outputTokens() >= 1 && usage.outputTokens() <= 9);
        assertEquals(usage.inputTokens() + usage.outputTokens(), usage.totalTokens());
        if (usage.outputTokens() == 9) {
            assertEquals("incomplete", plain.status().orElseThrow().asString());
            assertEquals("max_output_tokens", plain.incompleteDetails().orElseThrow().reason().orElseThrow()
                    .asString());
        } else {
            assertEquals("completed", plain.status().orElseThrow().asString());
        }
        assertFalse(plain.output().isEmpty());

        List<ResponseStreamEvent> events = new ArrayList<>();
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(params().build())) {
            stream.stream().forEach(e -> {
                e.validate();
                events.add(e);
                accumulator.accumulate(e);
            });
        }
        assertTrue(events.getFirst().isCreated());
        assertTrue(events.get(1).isInProgress());
        assertTrue(events.getLast().isCompleted() || events.getLast().isIncomplete());
        StringBuilder deltas = new StringBuilder();
        events.stream().filter(ResponseStreamEvent::isOutputTextDelta)
                .forEach(e -> deltas.append(e.asOutputTextDelta().delta()));
        assertEquals(text(plain), deltas.toString());
        Response streamed = accumulator.response();
        assertEquals(text(plain), text(streamed));
        assertEquals(plain.status(), streamed.status());
        assertEquals(usage.outputTokens(), streamed.usage().orElseThrow().outputTokens());
    }

    /** The structured answer the SDK derives its JSON Schema from (strict mode) and parses back. */
    public static class Person {
        public String name;
        public long age;
        public List<String> tags;
        public Boolean member;
    }

    /** A function tool the SDK derives from a class; its arguments parse back into it. */
    public static class GetWeather {
        public String city;
        public long days;
    }

    private ResponseCreateParams.Builder noisy(long seed) {
        return ResponseCreateParams.builder().model(ChatCompletionsApiTest.MODEL)
                .input("Answer in the requested shape.").maxOutputTokens(200).temperature(1.5)
                .putAdditionalBodyProperty("seed", JsonValue.from(seed))
                .putAdditionalBodyProperty("top_k", JsonValue.from(40))
                .putAdditionalBodyProperty("reasoning", JsonValue.from(Map.of("effort", "none")));
    }

    @Test
    void jsonSchemaFormatParsesIntoAClassPlainAndStreamed() {
        for (long seed = 1; seed <= 2; seed++) {
            var params = noisy(seed).text(Person.class).build();
            var answer = client.responses().create(params);
            Person plain = answer.output().stream().flatMap(i -> i.message().stream())
                    .flatMap(m -> m.content().stream()).flatMap(c -> c.outputText().stream()).findFirst()
                    .orElseThrow();
            assertTrue(plain.name != null && plain.tags != null);

            ResponseAccumulator accumulator = ResponseAccumulator.create();
            try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(params)) {
                stream.stream().forEach(accumulator::accumulate);
            }
            Person streamed = accumulator.response(Person.class).output().stream().flatMap(i -> i.message().stream())
                    .flatMap(m -> m.content().stream()).flatMap(c -> c.outputText().stream()).findFirst()
                    .orElseThrow();
            assertEquals(plain.name, streamed.name);
            assertEquals(plain.age, streamed.age);
            assertEquals(plain.tags, streamed.tags);
        }
    }

    @Test
    void functionToolRoundTripContinuesFromThePreviousResponse() {
        Response first = client.responses().create(noisy(7).addTool(GetWeather.class, JsonSchemaLocalValidation.YES)
                .toolChoice(ToolChoiceOptions.REQUIRED).build());
        first.validate();
        List<ResponseFunctionToolCall> calls = first.output().stream().flatMap(i -> i.functionCall().stream())
                .toList();
        assertFalse(calls.isEmpty());
        for (ResponseFunctionToolCall call : calls) {
            assertEquals("GetWeather", call.name());
            assertTrue(call.callId().startsWith("call_"), call.callId());
            assertTrue(call.arguments(GetWeather.class).city != null);
        }

        // The streamed call carries the same structure (events function_call_arguments.delta/.done).
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        List<String> types = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(noisy(7)
                .addTool(GetWeather.class, JsonSchemaLocalValidation.YES).toolChoice(ToolChoiceOptions.REQUIRED).build())) {
            stream.stream().forEach(e -> {
                accumulator.accumulate(e);
                types.add(typeOf(e));
            });
        }
        List<ResponseFunctionToolCall> streamedCalls = accumulator.response().output().stream()
                .flatMap(i -> i.functionCall().stream()).toList();
        assertEquals(calls.size(), streamedCalls.size());
        for (int i = 0; i < calls.size(); i++) {
            assertEquals(calls.get(i).arguments(), streamedCalls.get(i).arguments());
        }
        assertTrue(types.contains("response.function_call_arguments.done"), types.toString());

        // Tool results go back as function_call_output items, continuing the stored conversation.
        List<ResponseInputItem> results = new ArrayList<>();
        for (ResponseFunctionToolCall call : calls) {
            results.add(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                    .callId(call.callId()).output("{\"temperature_c\": 21}").build()));
        }
        Response second = client.responses().create(ResponseCreateParams.builder()
                .model(ChatCompletionsApiTest.MODEL).previousResponseId(first.id()).inputOfResponse(results)
                .addTool(GetWeather.class, JsonSchemaLocalValidation.YES).maxOutputTokens(5).temperature(0.0)
                .build());
        second.validate();
        assertEquals(first.id(), second.previousResponseId().orElseThrow());
        // The continued prompt holds the first request, its calls and the results (tools are sent again, as OpenAI
        // does not carry them over): more input than the first.
        assertTrue(second.usage().orElseThrow().inputTokens() > first.usage().orElseThrow().inputTokens());
    }

    private static String typeOf(ResponseStreamEvent e) {
        if (e.isFunctionCallArgumentsDone()) {
            return "response.function_call_arguments.done";
        }
        if (e.isFunctionCallArgumentsDelta()) {
            return "response.function_call_arguments.delta";
        }
        return e.isOutputItemAdded() ? "response.output_item.added" : "other";
    }

    @Test
    void retrieveListInputItemsAndDelete() {
        Response created = client.responses().create(params().build());
        Response again = client.responses().retrieve(created.id());
        again.validate();
        assertEquals(created.id(), again.id());
        assertEquals(text(created), text(again));
        assertEquals(created.usage(), again.usage());

        var items = client.responses().inputItems().list(created.id());
        assertEquals(1, items.data().size());
        var message = items.data().getFirst().asResponseInputMessageItem();
        assertEquals("user", message.role().asString());
        assertEquals("Say hello in three languages.", message.content().getFirst().asInputText().text());

        client.responses().delete(created.id());
        assertThrows(NotFoundException.class, () -> client.responses().retrieve(created.id()));
        assertThrows(NotFoundException.class, () -> client.responses().delete(created.id()));

        // store: false keeps nothing.
        Response unstored = client.responses().create(params().store(false).build());
        assertThrows(NotFoundException.class, () -> client.responses().retrieve(unstored.id()));
    }
}
