package io.djinn.toolcall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ToolCallSyntaxTest {

    @Test
    void syntaxPerFormat() {
        assertEquals(new ToolCallSyntax("", "<tool_call>\n", "name", "arguments", "\n</tool_call>", "\n", ""),
                ToolCallFormat.HERMES.syntax());
        assertEquals(new ToolCallSyntax("[TOOL_CALLS][", "", "name", "arguments", "", ", ", "]"),
                ToolCallFormat.MISTRAL.syntax());
        assertEquals(new ToolCallSyntax("", "", "name", "parameters", "", "; ", ""),
                ToolCallFormat.LLAMA3_JSON.syntax());
        assertEquals("<tool_call>\n{\"name\": \"say\\\"hi\\\"\", \"arguments\": {}}\n</tool_call>",
                ToolCallFormat.HERMES.syntax().call("say\"hi\"", "{}"), "the name is escaped");
    }

    /** prefix + call (+ separator + call)* + suffix, with one space or none after ':' and ','. */
    private static String text(ToolCallSyntax syntax, List<ToolCall> calls, String space) {
        List<String> rendered = new ArrayList<>();
        for (ToolCall call : calls) {
            rendered.add(syntax.callPrefix() + "{\"" + syntax.nameKey() + "\":" + space + "\"" + call.name() + "\","
                    + space + "\"" + syntax.argumentsKey() + "\":" + space + call.arguments() + "}"
                    + syntax.callSuffix());
        }
        return syntax.prefix() + String.join(syntax.separator(), rendered) + syntax.suffix();
    }

    @Test
    void forcedCallSyntaxParsesBackIntoExactlyTheCalls() {
        Random random = new Random(7);
        for (ToolCallFormat format : ToolCallFormat.values()) {
            ToolCallSyntax syntax = format.syntax();
            for (int round = 0; round < 15; round++) {
                int count = 1 + random.nextInt(3);
                boolean spaced = random.nextBoolean();
                List<ToolCall> calls = IntStream.range(0, count)
                        .mapToObj(i -> new ToolCall("call_" + i, RandomJson.name(random),
                                RandomJson.object(random, 0, spaced)))
                        .toList();
                AssistantMessage expected = new AssistantMessage("", "", calls);
                for (String space : List.of("", " ")) {
                    String text = text(syntax, calls, space);
                    assertEquals(expected, Harness.parseEveryWay(format, text), format + ": " + text);
                }
                assertEquals(expected, Harness.parseEveryWay(format, syntax.render(calls)), format + " render");
            }
        }
    }

    @Test
    void detectionFromTheTemplateSource() throws IOException {
        String checkpoint;
        try (InputStream in = getClass().getResourceAsStream("/io/djinn/checkpoint/chat_template.jinja")) {
            checkpoint = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(Optional.of(ToolCallFormat.HERMES), ToolCallFormat.detect(checkpoint));
        String qwen = "{%- for tool in tools %}{{- \"\\n\" }}{{- tool | tojson }}{%- endfor %}{{- \"\\n</tools>\\n\\n"
                + "For each function call, return a json object with function name and arguments within "
                + "<tool_call></tool_call> XML tags\" }}";
        assertEquals(Optional.of(ToolCallFormat.HERMES), ToolCallFormat.detect(qwen));
        String mistral = "{%- if message.tool_calls is defined %}{{- \"[TOOL_CALLS][\" }}{%- for tool_call in "
                + "message.tool_calls %}";
        assertEquals(Optional.of(ToolCallFormat.MISTRAL), ToolCallFormat.detect(mistral));
        String llama31 = "{{- \"<|python_tag|>\" + tool_call.name + \".call(\" }}";
        assertEquals(Optional.of(ToolCallFormat.LLAMA3_JSON), ToolCallFormat.detect(llama31));
        String llama32 = "{%- elif message.role == \"tool\" or message.role == \"ipython\" %}";
        assertEquals(Optional.of(ToolCallFormat.LLAMA3_JSON), ToolCallFormat.detect(llama32));
        String instruction = "{{- 'Respond in the format {\"name\": function name, \"parameters\": dictionary of "
                + "argument name and its value}.' }}";
        assertEquals(Optional.of(ToolCallFormat.LLAMA3_JSON), ToolCallFormat.detect(instruction));
        assertEquals(Optional.empty(), ToolCallFormat.detect("{{ '{\"name\": ' ~ message.name ~ '}' }}"));
        assertEquals(Optional.empty(),
                ToolCallFormat.detect("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>"));
        assertEquals(Optional.empty(), ToolCallFormat.detect(null));
    }

    @Test
    void formatsByConfigurationName() {
        assertEquals(ToolCallFormat.HERMES, ToolCallFormat.fromName("hermes"));
        assertEquals(ToolCallFormat.LLAMA3_JSON, ToolCallFormat.fromName("llama3_json"));
        assertEquals(ToolCallFormat.LLAMA3_JSON, ToolCallFormat.fromName(" LLAMA3_JSON "));
        assertEquals(ToolCallFormat.MISTRAL, ToolCallFormat.fromName("Mistral"));
        assertThrows(IllegalArgumentException.class, () -> ToolCallFormat.fromName("pythonic"));
        for (ToolCallFormat format : ToolCallFormat.values()) {
            assertEquals(format, ToolCallFormat.fromName(format.configName()));
        }
        assertEquals(Optional.of(ToolCallFormat.HERMES), ToolCallFormat.resolve("auto", "<tool_call>"));
        assertEquals(Optional.empty(), ToolCallFormat.resolve("auto", "no tools here"));
        assertEquals(Optional.empty(), ToolCallFormat.resolve("none", "<tool_call>"));
        assertEquals(Optional.of(ToolCallFormat.MISTRAL), ToolCallFormat.resolve("mistral", "<tool_call>"),
                "configuration overrides the template");
        assertThrows(IllegalArgumentException.class, () -> ToolCallFormat.resolve("pythonic", ""));
    }

    @Test
    void idsLookLikeOpenAIs() {
        Set<String> ids = IntStream.range(0, 1000).mapToObj(i -> ToolCallIds.next()).collect(Collectors.toSet());
        assertEquals(1000, ids.size());
        ids.forEach(id -> assertTrue(id.matches("call_[A-Za-z0-9]{24}"), id));
        ToolCallParser parser = ToolCallParser.create(ToolCallFormat.HERMES, ToolCallIds.random());
        String id = parser.feed("<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>").toolCalls()
                .getFirst().id();
        assertTrue(id.matches("call_[A-Za-z0-9]{24}"), id);
        assertNotEquals(id, ToolCallParser.create(ToolCallFormat.HERMES, ToolCallIds.random())
                .feed("<tool_call>\n{\"name\": \"f\", \"arguments\": {}}").toolCalls().getFirst().id());
    }
}
