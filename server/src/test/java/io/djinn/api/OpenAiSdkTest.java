package io.djinn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK, pointed at Djinn by base URL only, parses both answer shapes. */
@QuarkusTest
class OpenAiSdkTest {

    @TestHTTPResource("/v1")
    URL base;

    OpenAIClient client;

    @BeforeEach
    void setUp() {
        ServerReady.await();
        client = OpenAIOkHttpClient.builder().baseUrl(base.toString()).apiKey("unused").maxRetries(0).build();
    }

    private ChatCompletionCreateParams.Builder params() {
        return ChatCompletionCreateParams.builder().model(ChatCompletionsApiTest.MODEL)
                .addSystemMessage("You are terse.").addUserMessage("Say hello in three languages.")
                .maxCompletionTokens(9).temperature(0.0);
    }

    @Test
    void plainCompletion() {
        ChatCompletion c = client.chat().completions().create(params().build());
        c.validate();
        assertEquals(ChatCompletionsApiTest.MODEL, c.model());
        assertEquals(1, c.choices().size());
        assertTrue(c.choices().get(0).message().content().isPresent());
        var usage = c.usage().orElseThrow();
        assertTrue(usage.completionTokens() >= 1 && usage.completionTokens() <= 9);
        assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());
    }

    @Test
    void streamedCompletionMatchesPlain() {
        String plain = client.chat().completions().create(params().build()).choices().get(0).message().content()
                .orElseThrow();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                params().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunks::add);
        }
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (ChatCompletionChunk c : chunks) {
            c.validate();
            for (var choice : c.choices()) {
                choice.delta().content().ifPresent(text::append);
                if (choice.finishReason().isPresent()) {
                    finish = choice.finishReason().get().asString();
                }
            }
        }
        assertEquals(plain, text.toString());
        assertTrue(finish != null && (finish.equals("stop") || finish.equals("length")), String.valueOf(finish));
        var usage = chunks.getLast().usage().orElseThrow();
        assertTrue(usage.completionTokens() >= 1);
    }

    private ChatCompletionCreateParams.Builder sampled() {
        return ChatCompletionCreateParams.builder().model(ChatCompletionsApiTest.MODEL)
                .addUserMessage("Write a poem about llamas.").maxCompletionTokens(10).temperature(1.0).seed(42L)
                .putAdditionalBodyProperty("ignore_eos", com.openai.core.JsonValue.from(true));
    }

    @Test
    void twoSeededChoicesWithLogprobsAndServiceTier() {
        ChatCompletion c = client.chat().completions().create(sampled().n(2).logprobs(true).topLogprobs(3)
                .serviceTier(ChatCompletionCreateParams.ServiceTier.PRIORITY).build());
        c.validate();
        assertEquals("priority", c.serviceTier().orElseThrow().asString());
        assertTrue(c.systemFingerprint().orElseThrow().startsWith("fp_"));
        assertEquals(2, c.choices().size());
        for (int i = 0; i < 2; i++) {
            var choice = c.choices().get(i);
            assertEquals(i, choice.index());
            assertEquals("length", choice.finishReason().asString());
            var content = choice.logprobs().orElseThrow().content().orElseThrow();
            assertEquals(10, content.size());
            for (var t : content) {
                assertTrue(t.logprob() <= 0);
                assertTrue(t.bytes().isPresent());
                assertEquals(3, t.topLogprobs().size());
                assertTrue(t.topLogprobs().get(0).logprob() >= t.logprob() - 1e-6);
            }
        }
        var usage = c.usage().orElseThrow();
        assertEquals(20, usage.completionTokens());
        // Earlier requests with the same prompt may have left its prefix in the cache (whole 16-token blocks).
        long cached = usage.promptTokensDetails().orElseThrow().cachedTokens().orElseThrow();
        assertTrue(cached >= 0 && cached < usage.promptTokens() && cached % 16 == 0, "cached " + cached);
        // Seeded: the same request gives the same choices; choice 0 is the n = 1 answer.
        ChatCompletion again = client.chat().completions().create(sampled().n(2).build());
        assertEquals(c.choices().get(1).message().content(), again.choices().get(1).message().content());
        assertEquals(c.choices().get(0).message().content(),
                client.chat().completions().create(sampled().build()).choices().get(0).message().content());
    }

    @Test
    void stopSequencesAndStreamedUsage() {
        String full = client.chat().completions().create(sampled().maxCompletionTokens(16).build()).choices().get(0)
                .message().content().orElseThrow();
        String stop = full.substring(5, 8);
        ChatCompletion cut = client.chat().completions().create(sampled().maxCompletionTokens(16)
                .stopOfStrings(List.of(stop, "zzzz-not-there")).build());
        assertEquals(full.substring(0, full.indexOf(stop)), cut.choices().get(0).message().content().orElseThrow());
        assertEquals("stop", cut.choices().get(0).finishReason().asString());

        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(sampled()
                .maxCompletionTokens(16).stop(stop).n(2).logprobs(true).topLogprobs(2)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunks::add);
        }
        StringBuilder first = new StringBuilder();
        int finishes = 0;
        int logprobTokens = 0;
        for (ChatCompletionChunk chunk : chunks) {
            chunk.validate();
            assertEquals("default", chunk.serviceTier().orElseThrow().asString());
            for (var choice : chunk.choices()) {
                if (choice.index() == 0) {
                    choice.delta().content().ifPresent(first::append);
                }
                if (choice.finishReason().isPresent()) {
                    finishes++;
                }
                logprobTokens += choice.logprobs().flatMap(l -> l.content()).map(List::size).orElse(0);
            }
        }
        assertEquals(full.substring(0, full.indexOf(stop)), first.toString());
        assertEquals(2, finishes);
        var usage = chunks.getLast().usage().orElseThrow();
        assertTrue(chunks.getLast().choices().isEmpty());
        assertEquals(logprobTokens, usage.completionTokens());
        assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());
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

    private ChatCompletionCreateParams.Builder noisy(long seed) {
        return ChatCompletionCreateParams.builder().model(ChatCompletionsApiTest.MODEL)
                .addUserMessage("Answer in the requested shape.").maxCompletionTokens(200).temperature(1.5)
                .seed(seed).putAdditionalBodyProperty("top_k", com.openai.core.JsonValue.from(40))
                .putAdditionalBodyProperty("reasoning_effort", com.openai.core.JsonValue.from("none"));
    }

    @Test
    void structuredOutputParsesPlainAndStreamed() {
        for (long seed = 1; seed <= 3; seed++) {
            var params = noisy(seed).responseFormat(Person.class).build();
            var answer = client.chat().completions().create(params);
            Person plain = answer.choices().get(0).message().content().orElseThrow();
            assertTrue(plain.name != null && plain.tags != null);

            var accumulator = com.openai.helpers.ChatCompletionAccumulator.create();
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                    .createStreaming(params.rawParams())) {
                stream.stream().forEach(accumulator::accumulate);
            }
            Person streamed = accumulator.chatCompletion(Person.class).choices().get(0).message().content()
                    .orElseThrow();
            assertEquals(plain.name, streamed.name);
            assertEquals(plain.age, streamed.age);
            assertEquals(plain.tags, streamed.tags);
        }
    }

    @Test
    void toolCallsParsePlainAndStreamed() {
        for (long seed = 1; seed <= 3; seed++) {
            var params = noisy(seed).addTool(GetWeather.class).toolChoice(
                    com.openai.models.chat.completions.ChatCompletionToolChoiceOption.Auto.REQUIRED).build();
            ChatCompletion c = client.chat().completions().create(params);
            c.validate();
            var choice = c.choices().get(0);
            assertEquals("tool_calls", choice.finishReason().asString());
            var calls = choice.message().toolCalls().orElseThrow();
            assertTrue(!calls.isEmpty());
            for (var call : calls) {
                var fn = call.asFunction();
                assertTrue(fn.id().startsWith("call_"));
                assertEquals("GetWeather", fn.function().name());
                GetWeather args = fn.function().arguments(GetWeather.class);
                assertTrue(args.city != null);
            }

            var accumulator = com.openai.helpers.ChatCompletionAccumulator.create();
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
                stream.stream().forEach(chunk -> {
                    chunk.validate();
                    accumulator.accumulate(chunk);
                });
            }
            var streamed = accumulator.chatCompletion().choices().get(0);
            assertEquals("tool_calls", streamed.finishReason().asString());
            var streamedCalls = streamed.message().toolCalls().orElseThrow();
            assertEquals(calls.size(), streamedCalls.size());
            for (int i = 0; i < calls.size(); i++) {
                assertEquals(calls.get(i).asFunction().function().arguments(),
                        streamedCalls.get(i).asFunction().function().arguments());
                assertEquals(calls.get(i).asFunction().function().arguments(GetWeather.class).days,
                        streamedCalls.get(i).asFunction().function().arguments(GetWeather.class).days);
            }
        }
    }
}
