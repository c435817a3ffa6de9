package io.djinn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.djinn.common.Json;
import io.djinn.tokenizer.ChatTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * OpenAI-shaped requests (tool round trips with content null, "" or missing, several tool calls and results, text
 * parts, a developer message) go through the same message preparation as /v1/chat/completions and are rendered by
 * Djinn's template and a Qwen3-style one; each rendering must equal, byte for byte, what jinja2 renders as
 * transformers does for the messages as vLLM hands them over (parity/render_reference.py wrote the .txt files).
 */
class TemplateParityTest {

    private static final String DIR = "parity/";

    private static String resource(String name) throws IOException {
        try (InputStream in = TemplateParityTest.class.getResourceAsStream(name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @TestFactory
    List<DynamicTest> requestsRenderAsTheReferenceDoes() throws IOException {
        Map<String, String> templates = Map.of(
                "qwen3_style", resource(DIR + "qwen3_style.jinja"),
                "djinn", resource("/io/djinn/checkpoint/chat_template.jinja"));
        List<Map<String, Object>> cases = Json.MAPPER.readValue(resource(DIR + "requests.json"),
                new TypeReference<>() {});
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : cases) {
            for (var t : templates.entrySet()) {
                String name = c.get("name") + "." + t.getKey();
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    List<ChatMessage> messages = Json.MAPPER.convertValue(c.get("messages"), new TypeReference<>() {});
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> tools = (List<Map<String, Object>>) c.get("tools");
                    String rendered = ChatTemplate.of(t.getValue(), "<s>", "</s>").render(
                            ChatPrompts.templateMessages(messages, ChatPrompts.partsAsList(t.getValue())),
                            tools, true, null);
                    String expected = resource(DIR + name + ".txt");
                    assertNotNull(expected, "no reference rendering " + name + ".txt");
                    assertFalse(rendered.contains("null"), rendered);
                    assertEquals(expected, rendered);
                }));
            }
        }
        return tests;
    }
}
