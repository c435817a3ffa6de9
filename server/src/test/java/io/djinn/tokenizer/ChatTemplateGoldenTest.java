package io.djinn.tokenizer;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The generated chat template rendered by Djinn must match the reference renderer byte for byte. The expected
 * files under golden/ were produced by {@code @huggingface/transformers} (apply_chat_template, tokenize=false,
 * and encode(add_special_tokens=false) for the .ids) on the tokenizer TokenizerGenerator writes for vocab 1024.
 */
class ChatTemplateGoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases() throws IOException {
        try (InputStream in = ChatTemplateGoldenTest.class.getResourceAsStream("conversations.json")) {
            return JSON.readValue(in, new TypeReference<List<Map<String, Object>>>() {});
        }
    }

    static String golden(String name) throws IOException {
        try (InputStream in = ChatTemplateGoldenTest.class.getResourceAsStream("golden/" + name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @SuppressWarnings("unchecked")
    static String render(ChatTemplate t, Map<String, Object> c) {
        return t.render((List<Map<String, Object>>) c.get("messages"), (List<Map<String, Object>>) c.get("tools"),
                Boolean.TRUE.equals(c.get("add_generation_prompt")), (Map<String, Object>) c.get("extra"));
    }

    @TestFactory
    List<DynamicTest> generatedTemplateMatchesReference() throws IOException {
        Tokenizer tok = TestTokenizers.tokenizer();
        ChatTemplate template = tok.chatTemplate();
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : cases()) {
            String name = (String) c.get("name");
            tests.add(DynamicTest.dynamicTest(name, () -> {
                String error = golden(name + ".error");
                if (error != null) {
                    ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> render(template, c));
                    assertEquals(error, e.getMessage());
                    return;
                }
                String expected = golden(name + ".txt");
                assertNotNull(expected, "missing golden for " + name);
                String actual = render(template, c);
                assertEquals(expected, actual);
                int[] expectedIds = Arrays.stream(golden(name + ".ids").trim().split(" ")).mapToInt(Integer::parseInt).toArray();
                assertArrayEquals(expectedIds, tok.encode(actual), "DJL ids == transformers.js ids");
            }));
        }
        return tests;
    }

    @Test
    void concurrentRendersAreIndependent() throws Exception {
        ChatTemplate template = TestTokenizers.tokenizer().chatTemplate();
        List<Map<String, Object>> cases = cases().stream().filter(c -> !c.get("name").equals("unknown_role_raises")).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                Map<String, Object> c = cases.get(i % cases.size());
                futures.add(pool.submit(() -> {
                    assertEquals(golden(c.get("name") + ".txt"), render(template, c));
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        } finally {
            pool.shutdown();
        }
    }
}
