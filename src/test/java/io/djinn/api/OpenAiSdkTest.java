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
}
