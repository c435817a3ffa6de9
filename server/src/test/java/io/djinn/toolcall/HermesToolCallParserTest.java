package io.djinn.toolcall;

import static io.djinn.toolcall.Harness.call;
import static io.djinn.toolcall.Harness.message;
import static io.djinn.toolcall.Harness.parseEveryWay;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HermesToolCallParserTest {

    private static final ToolCallFormat HERMES = ToolCallFormat.HERMES;

    private static AssistantMessage parse(String text) {
        return parseEveryWay(HERMES, text);
    }

    /** A block as the generated checkpoint's template prints it. */
    private static String block(String name, String arguments) {
        return "<tool_call>\n{\"name\": \"" + name + "\", \"arguments\": " + arguments + "}\n</tool_call>";
    }

    @Test
    void plainContentPassesUnchanged() {
        assertEquals(message("Hello, world!"), parse("Hello, world!"));
        assertEquals(message("\n  Leading and trailing whitespace stay.\n\n"),
                parse("\n  Leading and trailing whitespace stay.\n\n"));
        assertEquals(message("a < b and c > d, <tool> <tool_calls> </tool_call> {\"name\": \"x\"}"),
                parse("a < b and c > d, <tool> <tool_calls> </tool_call> {\"name\": \"x\"}"));
        assertEquals(message(""), parse(""));
    }

    @Test
    void oneCall() {
        assertEquals(message("", call(0, "get_weather", "{\"city\": \"Paris\", \"unit\": \"celsius\"}")),
                parse(block("get_weather", "{\"city\": \"Paris\", \"unit\": \"celsius\"}")));
    }

    @Test
    void argumentsAreTheModelsTextVerbatim() {
        String compact = "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":-1.5e+3}}";
        assertEquals(message("", call(0, "f", compact)),
                parse("<tool_call>{\"name\":\"f\",\"arguments\":" + compact + "}</tool_call>"));
        String pretty = "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}";
        assertEquals(message("", call(0, "f", pretty)), parse(block("f", pretty)));
    }

    @Test
    void severalCalls() {
        String text = block("a", "{\"x\": 1}") + "\n" + block("b", "{}") + "\n\n" + block("c", "{\"y\": [1, 2]}");
        assertEquals(message("", call(0, "a", "{\"x\": 1}"), call(1, "b", "{}"), call(2, "c", "{\"y\": [1, 2]}")),
                parse(text));
        assertEquals(message("", call(0, "a", "{}"), call(1, "b", "{}")),
                parse(block("a", "{}") + block("b", "{}") + "\n"), "blocks back to back, trailing newline");
    }

    @Test
    void callAfterContentDropsTheSeparatingWhitespace() {
        assertEquals(message("Let me check the weather.", call(0, "get_weather", "{\"city\": \"Paris\"}")),
                parse("Let me check the weather.\n" + block("get_weather", "{\"city\": \"Paris\"}")));
        assertEquals(message("Sure!", call(0, "f", "{}")), parse("Sure!" + block("f", "{}")));
        assertEquals(message("", call(0, "f", "{}")), parse("\n\n  " + block("f", "{}")),
                "whitespace alone is not content");
    }

    @Test
    void contentAfterACall() {
        assertEquals(message("Done, see above.", call(0, "f", "{}")),
                parse(block("f", "{}") + "\nDone, see above."), "the newline only separated the call");
        assertEquals(message("Before.\nAfter.", call(0, "f", "{}")),
                parse("Before.\n" + block("f", "{}") + "\nAfter."), "between two texts the newline is kept");
        assertEquals(message("A B", call(0, "f", "{}"), call(1, "g", "{}")),
                parse("A " + block("f", "{}") + " B" + block("g", "{}") + "\n"));
    }

    @Test
    void malformedJsonStaysContent() {
        for (String text : List.of(
                "<tool_call>\n{\"name\": \"f\" \"arguments\": {}}\n</tool_call>",
                "<tool_call>\n{name: \"f\", \"arguments\": {}}\n</tool_call>",
                "<tool_call>\nhello\n</tool_call>",
                "<tool_call>\n[{\"name\": \"f\", \"arguments\": {}}]\n</tool_call>",
                "<tool_call>\n{\"name\": \"f\n\", \"arguments\": {}}\n</tool_call>",
                "<tool_call>\n{\"name\": \"\\x\", \"arguments\": {}}\n</tool_call>",
                "Use the <tool_call> tag to call a tool.")) {
            assertEquals(message(text), parse(text), text);
        }
        String text = "Intro " + "<tool_call>\n{\"oops\"}\n</tool_call>";
        assertEquals(message(text), parse(text), "content before a broken block stays in place");
    }

    @Test
    void aCallWithoutANameStaysContent() {
        for (String text : List.of(
                "<tool_call>\n{\"arguments\": {\"a\": 1}}\n</tool_call>",
                "<tool_call>\n{\"name\": 5, \"arguments\": {}}\n</tool_call>",
                "<tool_call>\n{\"name\": \"\", \"arguments\": {}}\n</tool_call>",
                "<tool_call>\n{\"name\": null, \"arguments\": {}}\n</tool_call>",
                "<tool_call>\n{}\n</tool_call>")) {
            assertEquals(message(text), parse(text), text);
        }
    }

    @Test
    void aBrokenBlockDoesNotStopLaterCalls() {
        String broken = "<tool_call>\n{\"name\" 1}\n</tool_call>";
        assertEquals(message(broken, call(0, "f", "{}")), parse(broken + "\n" + block("f", "{}")));
        String doubled = "<tool_call><tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>";
        assertEquals(message("<tool_call>", call(0, "f", "{}")), parse(doubled),
                "a marker right after a marker starts the block again");
    }

    @Test
    void bracesAndMarkersInsideStringsAreArguments() {
        String arguments = "{\"code\": \"if (x) { return \\\"}\\\"; } // </tool_call> <tool_call>\", "
                + "\"nested\": {\"a\": [1, {\"b\": null, \"c\": \"]}\"}], \"d\": {}}}";
        assertEquals(message("", call(0, "run", arguments)), parse(block("run", arguments)));
    }

    @Test
    void unicodeInNamesArgumentsAndContent() {
        String arguments = "{\"ville\": \"Zürich\", \"note\": \"雨 ☔ 😀\", \"escaped\": \"\\u00e9\\ud83d\\ude00\"}";
        assertEquals(message("Voilà 😀", call(0, "météo_actuelle", arguments)),
                parse("Voilà 😀\n" + block("météo_actuelle", arguments)));
        assertEquals(message("", call(0, "é", "{}")),
                parse("<tool_call>\n{\"name\": \"\\u00e9\", \"arguments\": {}}\n</tool_call>"),
                "an escaped name is decoded");
    }

    @Test
    void argumentsWrittenAsAJsonStringAreUnwrapped() {
        assertEquals(message("", call(0, "f", "{\"city\": \"Paris\", \"q\": \"a\\\"b\"}")),
                parse(block("f", "\"{\\\"city\\\": \\\"Paris\\\", \\\"q\\\": \\\"a\\\\\\\"b\\\"}\"")));
        assertEquals(message("", call(0, "f", "{}")), parse(block("f", "\"\"")), "an empty string is no arguments");
    }

    @Test
    void missingNullOrScalarArguments() {
        assertEquals(message("", call(0, "now", "{}")),
                parse("<tool_call>\n{\"name\": \"now\"}\n</tool_call>"), "no arguments key: {}");
        assertEquals(message("", call(0, "now", "{}")), parse(block("now", "null")));
        assertEquals(message("", call(0, "f", "42")), parse(block("f", "42")), "other scalars verbatim");
        assertEquals(message("", call(0, "f", "[1, 2]")), parse(block("f", "[1, 2]")));
    }

    @Test
    void keyOrderAndExtraKeys() {
        assertEquals(message("", call(0, "f", "{\"x\": 1}")),
                parse("<tool_call>\n{\"arguments\": {\"x\": 1}, \"name\": \"f\"}\n</tool_call>"),
                "arguments before the name are held until the name comes");
        assertEquals(message("", call(0, "f", "{\"x\": 1}")), parse("<tool_call>\n{\"id\": \"abc\", \"type\": "
                + "\"function\", \"name\": \"f\", \"meta\": [1, {\"k\": -0.5}], \"arguments\": {\"x\": 1}, "
                + "\"extra\": 7}\n</tool_call>"));
        assertEquals(message("", call(0, "f", "{\"x\": 1}")),
                parse("<tool_call>\n{\"name\": \"f\", \"parameters\": {\"x\": 1}}\n</tool_call>"));
        assertEquals(message("", call(0, "f", "{\"x\": 1}")),
                parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": 1}, \"arguments\": {\"y\": 2}, "
                        + "\"name\": \"g\"}\n</tool_call>"), "a repeated key is ignored");
    }

    @Test
    void smallSyntaxSlipsAroundCompleteArguments() {
        assertEquals(message("", call(0, "f", "{\"a\": 1}")),
                parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}}\n</tool_call>"),
                "an extra closing brace inside the block is dropped");
        assertEquals(message("", call(0, "f", "{\"a\": 1}")),
                parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}\n</tool_call>"),
                "a missing closing brace");
        assertEquals(message("", call(0, "f", "{}")),
                parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {}, }\n</tool_call>"),
                "a trailing comma after complete arguments");
        assertEquals(message("", call(0, "f", "{}"), call(1, "g", "{}")),
                parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n" + block("g", "{}")),
                "a block never closed ends at the next one");
        assertEquals(message("Thanks", call(0, "f", "{}")),
                parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\nThanks"),
                "text after an unclosed block is content");
    }

    @Test
    void argumentsBrokenAfterTheCallWasAnnouncedKeepTheRestOfTheBlock() {
        assertEquals(message("After", call(0, "f", "{\"a\": oops}}")),
                parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": oops}}\n</tool_call>\nAfter"));
        assertEquals(message("", call(0, "f", "{\"a\": 1,}}"), call(1, "g", "{}")),
                parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1,}}\n</tool_call>\n"
                        + block("g", "{}")));
        assertEquals(message("", call(0, "f", "tru e}")),
                parse("<tool_call>\n{\"name\": \"f\", \"arguments\": tru e}\n</tool_call>"),
                "a broken scalar keeps what was read of it");
    }

    @Test
    void outputCutInsideACall() {
        assertEquals(message("", call(0, "f", "{\"text\": \"hel")),
                parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"text\": \"hel"),
                "an announced call keeps its partial arguments (finish_reason length)");
        assertEquals(message("", call(0, "f", "12")),
                parse("<tool_call>\n{\"name\": \"f\", \"arguments\": 12"));
        for (String text : List.of("<tool_call>\n{\"name\": \"f", "<tool_call>\n{\"name\": \"f\", \"argu",
                "Hi <tool_call>", "Hi <tool_ca", "<tool_call>\n{\"arguments\": {\"a\": 1}")) {
            assertEquals(message(text), parse(text), "not announced yet: content " + text);
        }
    }

    @Test
    void streamingShape() {
        ToolCallParser parser = ToolCallParser.create(HERMES, Harness.ids());
        assertEquals(new AssistantDelta("", "Checking.", List.of()), parser.feed("Checking.\n<tool"));
        AssistantDelta delta = parser.feed("_call>\n{\"name\": \"f\", \"arguments\": {\"a\"");
        assertEquals(List.of(new ToolCallDelta(0, "call_0", "f", "{\"a\"")), delta.toolCalls());
        assertEquals("", delta.content());
        delta = parser.feed(": 1}}\n</tool_call>");
        assertEquals(List.of(new ToolCallDelta(0, null, null, ": 1}")), delta.toolCalls());
        assertTrue(parser.finish().isEmpty());
        assertEquals(1, parser.callCount());
    }

    @Test
    void heldTextIsReleasedAsSoonAsItIsDecided() {
        ToolCallParser parser = ToolCallParser.create(HERMES, Harness.ids());
        assertEquals("Hello", parser.feed("Hello <tool_c").content(), "the space and the prefix wait");
        assertEquals(" <tool_cx", parser.feed("x").content());
        AssistantDelta first = parser.feed("<tool_call>\n{\"name\": \"f\"");
        assertTrue(first.isEmpty(), "a name alone does not announce the call");
        AssistantDelta start = parser.feed(", \"arguments\": ");
        assertTrue(start.isEmpty());
        start = parser.feed("{");
        assertEquals(List.of(new ToolCallDelta(0, "call_0", "f", "{")), start.toolCalls());
        assertFalse(start.toolCalls().getFirst().arguments().isEmpty());
        assertNull(parser.feed("}").toolCalls().getFirst().id());
    }
}
