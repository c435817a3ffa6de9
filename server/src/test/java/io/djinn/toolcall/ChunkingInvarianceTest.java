package io.djinn.toolcall;

import static io.djinn.toolcall.Harness.ids;
import static io.djinn.toolcall.Harness.run;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.djinn.reasoning.ReasoningParser;
import io.djinn.reasoning.ReasoningSyntax;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Property tests: random outputs, made of prose, calls and reasoning, must parse to what they were made of, and
 * random damage must never throw or make the result depend on how the text was cut into deltas.
 */
class ChunkingInvarianceTest {

    private static final int SEEDS = 300;

    private static Supplier<AssistantOutputParser> parsers(ToolCallFormat format, boolean reasoning) {
        return () -> new AssistantOutputParser(
                reasoning ? ReasoningParser.create(ReasoningSyntax.THINK, false) : ReasoningParser.passThrough(),
                ToolCallParser.create(format, ids()));
    }

    /** A generated output and the message it must give. */
    private record Case(String text, AssistantMessage expected) {}

    /** Whole, char by char and in random pieces: the same message. */
    private static AssistantMessage parseCutsRandomly(Supplier<AssistantOutputParser> parsers, String text,
            Random random) {
        AssistantMessage whole = parsers.get().parseAll(text);
        assertEquals(whole, run(parsers.get(), Harness.chars(text)), () -> "char by char: " + text);
        for (int i = 0; i < 8; i++) {
            List<String> pieces = Harness.randomPieces(text, random);
            assertEquals(whole, run(parsers.get(), pieces), () -> "pieces " + pieces);
        }
        return whole;
    }

    private static Case generate(ToolCallFormat format, Random random, boolean reasoning) {
        List<ToolCall> calls = new ArrayList<>();
        int count = random.nextInt(4);
        boolean spaced = random.nextBoolean();
        for (int i = 0; i < count; i++) {
            calls.add(new ToolCall("call_" + i, RandomJson.name(random), RandomJson.object(random, 0, spaced)));
        }
        String before = random.nextInt(3) == 0 ? RandomJson.prose(random) : "";
        String after = random.nextInt(3) == 0 ? RandomJson.prose(random) : "";
        StringBuilder text = new StringBuilder();
        String content;
        switch (format) {
            case HERMES -> {
                // Items separated by newlines: content is the prose parts joined by the newline between them.
                List<String> items = new ArrayList<>();
                if (!before.isEmpty()) {
                    items.add(before);
                }
                calls.forEach(call -> items.add(format.syntax().call(call.name(), call.arguments())));
                if (!after.isEmpty()) {
                    items.add(after);
                }
                text.append(String.join("\n", items));
                content = before.isEmpty() || after.isEmpty() ? before + after : before + "\n" + after;
            }
            case MISTRAL -> {
                if (calls.isEmpty()) {
                    text.append(before);
                    content = before;
                } else {
                    text.append(before).append(before.isEmpty() ? "" : " ").append(format.syntax().render(calls));
                    text.append(after.isEmpty() ? "" : " " + after);
                    content = before.isEmpty() || after.isEmpty() ? before + after : before + " " + after;
                }
            }
            default -> {
                if (calls.isEmpty()) {
                    content = "Answer: " + before;
                    text.append(content);
                } else {
                    text.append(random.nextBoolean() ? "<|python_tag|>" : "").append(format.syntax().render(calls));
                    content = "";
                }
            }
        }
        String thought = "";
        if (reasoning) {
            thought = RandomJson.prose(random);
            text.insert(0, "<think>\n" + thought + "\n</think>\n\n");
        }
        return new Case(text.toString(), new AssistantMessage(thought, content, calls));
    }

    @Test
    void generatedOutputsParseBackToWhatTheyWereMadeOf() {
        for (ToolCallFormat format : ToolCallFormat.values()) {
            for (int seed = 0; seed < SEEDS; seed++) {
                Random random = new Random(seed);
                boolean reasoning = seed % 3 == 0;
                Case c = generate(format, random, reasoning);
                assertEquals(c.expected(), parseCutsRandomly(parsers(format, reasoning), c.text(), random),
                        format + " seed " + seed + ": " + c.text());
            }
        }
    }

    /** Damage: cut the output short, delete, duplicate or replace a character, splice in markup. */
    private static String damage(String text, Random random) {
        if (text.isEmpty()) {
            return "{";
        }
        int at = random.nextInt(text.length());
        if (Character.isLowSurrogate(text.charAt(at))) {
            at--;
        }
        List<String> junk = List.of("}", "{", "\"", ",", "]", "[", "<tool_call>", "</tool_call>", "[TOOL_CALLS]",
                ";", "<|python_tag|>", "\\", "x", "\n", "</think>", "<think>", "null", ":");
        return switch (random.nextInt(5)) {
            case 0 -> text.substring(0, at);
            case 1 -> text.substring(0, at) + text.substring(at + Character.charCount(text.codePointAt(at)));
            case 2 -> text.substring(0, at) + text.charAt(at) + text.substring(at);
            default -> text.substring(0, at) + junk.get(random.nextInt(junk.size())) + text.substring(at);
        };
    }

    @Test
    void damagedOutputsNeverThrowAndDoNotDependOnTheCuts() {
        for (ToolCallFormat format : ToolCallFormat.values()) {
            for (int seed = 0; seed < SEEDS; seed++) {
                Random random = new Random(1000 + seed);
                boolean reasoning = seed % 4 == 0;
                String text = generate(format, random, reasoning).text();
                for (int i = random.nextInt(3); i >= 0; i--) {
                    text = damage(text, random);
                }
                parseCutsRandomly(parsers(format, reasoning), text, random);
            }
        }
    }

    @Test
    void passThroughKeepsEveryCharacter() {
        for (int seed = 0; seed < 50; seed++) {
            Random random = new Random(seed);
            String text = damage(generate(ToolCallFormat.HERMES, random, false).text(), random);
            assertEquals(new AssistantMessage("", text, List.of()),
                    parseCutsRandomly(AssistantOutputParser::passThrough, text, random));
        }
    }
}
