package io.djinn.toolcall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.djinn.reasoning.ReasoningParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/** Runs parsers over texts cut in many ways and checks that every cut gives the same, well-formed stream. */
final class Harness {

    private Harness() {}

    /** Ids call_0, call_1, ... for one parser. */
    static Supplier<String> ids() {
        int[] next = {0};
        return () -> "call_" + next[0]++;
    }

    static ToolCall call(int index, String name, String arguments) {
        return new ToolCall("call_" + index, name, arguments);
    }

    static AssistantMessage message(String content, ToolCall... calls) {
        return new AssistantMessage("", content, List.of(calls));
    }

    static AssistantMessage message(String reasoning, String content, ToolCall... calls) {
        return new AssistantMessage(reasoning, content, List.of(calls));
    }

    static Supplier<AssistantOutputParser> toolParser(ToolCallFormat format) {
        return () -> new AssistantOutputParser(ReasoningParser.passThrough(), ToolCallParser.create(format, ids()));
    }

    /** Feeds the pieces, checks the stream's shape, returns the accumulated message. */
    static AssistantMessage run(AssistantOutputParser parser, List<String> pieces) {
        List<AssistantDelta> deltas = new ArrayList<>();
        for (String piece : pieces) {
            deltas.add(parser.feed(piece));
        }
        deltas.add(parser.finish());
        checkShape(deltas);
        AssistantAccumulator accumulator = new AssistantAccumulator();
        deltas.forEach(accumulator::add);
        return accumulator.message();
    }

    /** OpenAI's rules: a call's first delta has its id and name, later ones only arguments; calls open in order. */
    static void checkShape(List<AssistantDelta> deltas) {
        int opened = 0;
        for (AssistantDelta delta : deltas) {
            int previous = -1;
            for (ToolCallDelta call : delta.toolCalls()) {
                assertTrue(call.index() > previous, "one piece per call and delta, in order: " + delta);
                previous = call.index();
                assertNotNull(call.arguments());
                if (call.first()) {
                    assertEquals(opened++, call.index(), "calls open in order");
                    assertNotNull(call.name());
                    assertTrue(!call.name().isEmpty());
                } else {
                    assertNull(call.name());
                    assertTrue(call.index() < opened, "arguments of an opened call");
                    assertTrue(!call.arguments().isEmpty(), "no empty continuation pieces");
                }
            }
        }
    }

    /**
     * Parses the text all at once, character by character, cut at every single position and in random pieces; all
     * must give the same message, which is returned.
     */
    static AssistantMessage parseEveryWay(Supplier<AssistantOutputParser> parsers, String text) {
        AssistantMessage whole = run(parsers.get(), List.of(text));
        assertEquals(whole, run(parsers.get(), chars(text)), "char by char: " + text);
        assertEquals(whole, parsers.get().parseAll(text), "parseAll: " + text);
        for (int cut = 1; cut < text.length(); cut++) {
            if (!Character.isLowSurrogate(text.charAt(cut))) {
                assertEquals(whole, run(parsers.get(), List.of(text.substring(0, cut), text.substring(cut))),
                        "cut at " + cut + ": " + text);
            }
        }
        Random random = new Random(text.hashCode());
        for (int i = 0; i < 5; i++) {
            assertEquals(whole, run(parsers.get(), randomPieces(text, random)), "random pieces: " + text);
        }
        return whole;
    }

    static AssistantMessage parseEveryWay(ToolCallFormat format, String text) {
        return parseEveryWay(toolParser(format), text);
    }

    /** The text as one piece per code point. */
    static List<String> chars(String text) {
        return text.codePoints().mapToObj(Character::toString).toList();
    }

    /** The text in random pieces (never splitting a surrogate pair, as the detokenizer never does), some empty. */
    static List<String> randomPieces(String text, Random random) {
        List<String> pieces = new ArrayList<>();
        int at = 0;
        while (at < text.length()) {
            int end = Math.min(text.length(), at + random.nextInt(8));
            if (end < text.length() && Character.isLowSurrogate(text.charAt(end))) {
                end++;
            }
            pieces.add(text.substring(at, end));
            at = end;
        }
        return pieces;
    }

}
