package io.djinn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK's legacy completions against Djinn: plain, streamed, and with logprobs. */
@QuarkusTest
class CompletionsSdkTest {

    @TestHTTPResource("/v1")
    URL base;

    OpenAIClient client;

    @BeforeEach
    void setUp() {
        ServerReady.await();
        client = OpenAIOkHttpClient.builder().baseUrl(base.toString()).apiKey("unused").maxRetries(0).build();
    }

    private CompletionCreateParams.Builder params() {
        return CompletionCreateParams.builder().model(ChatCompletionsApiTest.MODEL)
                .prompt("Once upon a time").temperature(0.0);
    }

    @Test
    void plainCompletionDefaultsToSixteenTokens() {
        Completion c = client.completions().create(params().build());
        c.validate();
        assertTrue(c.id().startsWith("cmpl-"));
        assertEquals(ChatCompletionsApiTest.MODEL, c.model());
        assertEquals(1, c.choices().size());
        var usage = c.usage().orElseThrow();
        assertTrue(usage.completionTokens() >= 1 && usage.completionTokens() <= 16);
        assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());
        String finish = c.choices().getFirst().finishReason().asString();
        assertEquals(usage.completionTokens() == 16 ? "length" : "stop", finish);
    }

    @Test
    void streamedCompletionMatchesPlain() {
        String plain = client.completions().create(params().maxTokens(12).build()).choices().getFirst().text();
        List<Completion> chunks = new ArrayList<>();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params().maxTokens(12)
                .streamOptions(com.openai.models.chat.completions.ChatCompletionStreamOptions.builder()
                        .includeUsage(true).build()).build())) {
            stream.stream().forEach(chunks::add);
        }
        StringBuilder text = new StringBuilder();
        String finish = null;
        // Chunks are not validate()d: OpenAI's own chunks carry finish_reason null until a choice ends, which the
        // SDK's model (shared with the whole completion) declares required.
        for (Completion c : chunks) {
            for (var choice : c.choices()) {
                text.append(choice.text());
                if (!choice._finishReason().isNull() && !choice._finishReason().isMissing()) {
                    finish = choice.finishReason().asString();
                }
            }
        }
        assertEquals(plain, text.toString());
        assertTrue("stop".equals(finish) || "length".equals(finish), String.valueOf(finish));
        assertTrue(chunks.getLast().choices().isEmpty());
        assertTrue(chunks.getLast().usage().orElseThrow().completionTokens() >= 1);
    }

    @Test
    void logprobsComeInTheLegacyShape() {
        Completion c = client.completions().create(params().maxTokens(6).logprobs(3L).build());
        var choice = c.choices().getFirst();
        var lp = choice.logprobs().orElseThrow();
        List<String> tokens = lp.tokens().orElseThrow();
        List<Double> logprobs = lp.tokenLogprobs().orElseThrow();
        var top = lp.topLogprobs().orElseThrow();
        List<Long> offsets = lp.textOffset().orElseThrow();
        int n = (int) c.usage().orElseThrow().completionTokens();
        assertEquals(n, tokens.size());
        assertEquals(n, logprobs.size());
        assertEquals(n, top.size());
        assertEquals(n, offsets.size());
        assertEquals(choice.text(), String.join("", tokens));
        long at = 0;
        for (int i = 0; i < n; i++) {
            assertEquals(at, offsets.get(i));
            at += tokens.get(i).length();
            assertTrue(logprobs.get(i) <= 0);
            var alternatives = top.get(i)._additionalProperties();
            assertTrue(!alternatives.isEmpty() && alternatives.size() <= 3, alternatives.toString());
            // Greedy: the chosen token is the most likely one.
            double best = alternatives.values().stream().mapToDouble(v -> v.convert(Double.class)).max().orElseThrow();
            assertEquals(best, logprobs.get(i), 1e-4);
        }
    }
}
