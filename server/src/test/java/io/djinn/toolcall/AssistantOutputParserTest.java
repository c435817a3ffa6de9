package io.djinn.toolcall;

import static io.djinn.toolcall.Harness.call;
import static io.djinn.toolcall.Harness.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.djinn.reasoning.ReasoningParser;
import io.djinn.reasoning.ReasoningSyntax;
import io.djinn.tokenizer.ChatTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class AssistantOutputParserTest {

    private static Supplier<AssistantOutputParser> parsers(boolean promptOpened) {
        return () -> new AssistantOutputParser(ReasoningParser.create(ReasoningSyntax.THINK, promptOpened),
                ToolCallParser.create(ToolCallFormat.HERMES, Harness.ids()));
    }

    @Test
    void reasoningThenCalls() {
        String text = "<think>\nThe user wants the weather: I will use <tool_call> now.\n</think>\n\n"
                + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>";
        assertEquals(message("The user wants the weather: I will use <tool_call> now.", "",
                call(0, "get_weather", "{\"city\": \"Oslo\"}")), Harness.parseEveryWay(parsers(false), text),
                "markup inside the reasoning is reasoning");
    }

    @Test
    void reasoningOpenedByThePromptThenContentAndCall() {
        String text = "Need a tool.\n</think>\n\nChecking.\n<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n"
                + "</tool_call>";
        assertEquals(message("Need a tool.", "Checking.", call(0, "f", "{}")),
                Harness.parseEveryWay(parsers(true), text));
    }

    @Test
    void outputCutInsideTheReasoningHasNoContentAndNoCalls() {
        String text = "<think>\nI could call <tool_call>\n{\"name\": \"f\", \"arguments\": {}}";
        assertEquals(message("I could call <tool_call>\n{\"name\": \"f\", \"arguments\": {}}", ""),
                Harness.parseEveryWay(parsers(false), text));
    }

    @Test
    void reportsReasoningProgressAndCalls() {
        AssistantOutputParser parser = parsers(false).get();
        parser.feed("<think>ab");
        assertTrue(parser.inReasoning());
        assertEquals(2, parser.reasoningChars());
        AssistantDelta delta = parser.feed("c</think>Hi<tool_call>{\"name\": \"f\", \"arguments\": {");
        assertFalse(parser.inReasoning());
        assertEquals(new AssistantDelta("c", "Hi", List.of(new ToolCallDelta(0, "call_0", "f", "{"))), delta);
        assertEquals(1, parser.toolCallCount());
        assertEquals(new AssistantDelta("", "", List.of(new ToolCallDelta(0, null, null, "}"))),
                parser.feed("}}</tool_call>\n"));
        assertTrue(parser.finish().isEmpty(), "the trailing newline after a call is dropped");
    }

    @Test
    void passThroughChangesNothing() {
        String text = "<think>x</think>\n<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>\n";
        assertEquals(message(text), Harness.parseEveryWay(AssistantOutputParser::passThrough, text));
    }

    @Test
    void deltasMergeLikeTheirAccumulation() {
        AssistantDelta a = new AssistantDelta("r", "c", List.of(new ToolCallDelta(0, "call_0", "f", "{")));
        AssistantDelta b = new AssistantDelta("", "d", List.of(new ToolCallDelta(0, null, null, "}"),
                new ToolCallDelta(1, "call_1", "g", "")));
        AssistantDelta merged = a.plus(b);
        assertEquals(new AssistantDelta("r", "cd", List.of(new ToolCallDelta(0, "call_0", "f", "{}"),
                new ToolCallDelta(1, "call_1", "g", ""))), merged);
        assertEquals(new AssistantAccumulator().add(a).add(b).message(),
                new AssistantAccumulator().add(merged).message());
        assertEquals(a, a.plus(AssistantDelta.EMPTY));
        assertEquals(a, AssistantDelta.EMPTY.plus(a));
    }

    /**
     * The generated checkpoint's own template renders assistant messages (reasoning, content, calls); parsing the
     * rendered turn back must give the same message, so a conversation re-renders to the text the model wrote.
     */
    @Test
    void messagesRenderedByTheCheckpointTemplateParseBack() throws IOException {
        String source;
        try (InputStream in = getClass().getResourceAsStream("/io/djinn/checkpoint/chat_template.jinja")) {
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        ChatTemplate template = ChatTemplate.of(source, "", "<|im_end|>");
        Random random = new Random(3);
        for (int round = 0; round < 30; round++) {
            String reasoning = random.nextBoolean() ? RandomJson.prose(random) : "";
            String content = random.nextBoolean() ? RandomJson.prose(random) : "";
            List<ToolCall> calls = new ArrayList<>();
            List<Map<String, Object>> rendered = new ArrayList<>();
            for (int i = random.nextInt(3); i > 0; i--) {
                ToolCall call = new ToolCall("call_" + calls.size(), RandomJson.name(random),
                        RandomJson.object(random, 0, random.nextBoolean()));
                calls.add(call);
                rendered.add(Map.of("id", call.id(), "type", "function",
                        "function", Map.of("name", call.name(), "arguments", call.arguments())));
            }
            Map<String, Object> assistant = new HashMap<>();
            assistant.put("role", "assistant");
            assistant.put("content", content);
            assistant.put("reasoning_content", reasoning);
            if (!rendered.isEmpty()) {
                assistant.put("tool_calls", rendered);
            }
            String prompt = template.render(List.of(Map.of("role", "user", "content", "Go."), assistant), null,
                    false, null);
            String start = "<|im_start|>assistant\n";
            String turn = prompt.substring(prompt.indexOf(start) + start.length(), prompt.lastIndexOf("<|im_end|>"));
            assertEquals(new AssistantMessage(reasoning, content, calls),
                    Harness.parseEveryWay(parsers(false), turn), turn);
        }
    }

    @Test
    void checkpointTemplatePromptsAndTheReasoningStartMode() throws IOException {
        String source;
        try (InputStream in = getClass().getResourceAsStream("/io/djinn/checkpoint/chat_template.jinja")) {
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        ChatTemplate template = ChatTemplate.of(source, "", "<|im_end|>");
        assertEquals(java.util.Optional.of(ReasoningSyntax.THINK), ReasoningSyntax.detect(source));
        List<Map<String, Object>> user = List.of(Map.of("role", "user", "content", "What does <think> do?"));
        String thinking = template.render(user, null, true, null);
        String notThinking = template.render(user, null, true, Map.of("enable_thinking", false));
        assertFalse(ReasoningSyntax.THINK.promptOpensReasoning(thinking), "the model opens the block itself");
        assertFalse(ReasoningSyntax.THINK.promptOpensReasoning(notThinking), "the template closed an empty block");
        assertTrue(ReasoningSyntax.THINK.promptOpensReasoning(thinking + "<think>\n"));
    }
}
