package io.djinn.toolcall;

import static io.djinn.toolcall.Harness.call;
import static io.djinn.toolcall.Harness.message;
import static io.djinn.toolcall.Harness.parseEveryWay;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class MistralToolCallParserTest {

    private static AssistantMessage parse(String text) {
        return parseEveryWay(ToolCallFormat.MISTRAL, text);
    }

    @Test
    void plainContentPassesUnchanged() {
        assertEquals(message("The answer is [4]."), parse("The answer is [4]."));
        assertEquals(message("[TOOL_CALL] and [TOOL] are not the marker\n"),
                parse("[TOOL_CALL] and [TOOL] are not the marker\n"));
        assertEquals(message("[{\"name\": \"f\", \"arguments\": {}}]"), parse("[{\"name\": \"f\", \"arguments\": {}}]"),
                "without the marker a JSON array is content");
    }

    @Test
    void oneCall() {
        assertEquals(message("", call(0, "get_weather", "{\"city\": \"Paris\"}")),
                parse("[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]"));
        assertEquals(message("", call(0, "f", "{\"a\":1}")),
                parse("[TOOL_CALLS] [ {\"name\":\"f\",\"arguments\":{\"a\":1}} ]\n"), "spacing is free");
        assertEquals(message("", call(0, "f", "{\"a\": 1}")),
                parse("[TOOL_CALLS]{\"name\": \"f\", \"arguments\": {\"a\": 1}}"), "a single object without list");
    }

    @Test
    void severalCalls() {
        assertEquals(message("", call(0, "a", "{\"x\": [1, 2]}"), call(1, "b", "{}"), call(2, "c", "{\"y\": \"z\"}")),
                parse("[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {\"x\": [1, 2]}}, {\"name\": \"b\", "
                        + "\"arguments\": {}},{\"name\": \"c\", \"arguments\": {\"y\": \"z\"}}]"));
    }

    @Test
    void contentAroundTheCalls() {
        assertEquals(message("Sure, checking.", call(0, "f", "{}")),
                parse("Sure, checking. [TOOL_CALLS][{\"name\": \"f\", \"arguments\": {}}]"));
        assertEquals(message("Done.", call(0, "f", "{}")),
                parse("[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {}}]\nDone."));
        assertEquals(message("", call(0, "f", "{}"), call(1, "g", "{}")),
                parse("[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {}}] [TOOL_CALLS][{\"name\": \"g\", "
                        + "\"arguments\": {}}]"), "a second list continues the indices");
        assertEquals(message(""), parse("[TOOL_CALLS][]"), "an empty list is no calls and no content");
    }

    @Test
    void idsAndOtherKeysAreIgnored() {
        assertEquals(message("", call(0, "f", "{\"a\": 1}")),
                parse("[TOOL_CALLS][{\"id\": \"a1b2c3d4e\", \"name\": \"f\", \"arguments\": {\"a\": 1}}]"));
        assertEquals(message("", call(0, "f", "{\"a\": 1}")),
                parse("[TOOL_CALLS][{\"arguments\": {\"a\": 1}, \"name\": \"f\"}]"));
        assertEquals(message("", call(0, "f", "{\"a\": 1}")),
                parse("[TOOL_CALLS][{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": 1}\"}]"), "string arguments");
    }

    @Test
    void malformedStaysContent() {
        for (String text : List.of("[TOOL_CALLS]not json", "[TOOL_CALLS][{\"name\": \"f\" \"arguments\": {}}]",
                "[TOOL_CALLS][{\"arguments\": {}}]", "[TOOL_CALLS][1, 2]", "[TOOL_CALLS]", "[TOOL_CALLS][",
                "Hello [TOOL_CALLS] world")) {
            assertEquals(message(text), parse(text), text);
        }
        assertEquals(message(", {\"oops\": 1}]", call(0, "a", "{}")),
                parse("[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {}}, {\"oops\": 1}]"),
                "a broken second call: the first stays, the rest is content");
        assertEquals(message("x]", call(0, "a", "{}")),
                parse("[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {}} x]"));
    }

    @Test
    void bracketsAndMarkersInsideStrings() {
        String arguments = "{\"s\": \"]}, [TOOL_CALLS][{\\\"name\\\": \\\"x\\\"}]\", \"n\": [[], [{}]]}";
        assertEquals(message("", call(0, "f", arguments), call(1, "g", "{}")),
                parse("[TOOL_CALLS][{\"name\": \"f\", \"arguments\": " + arguments + "}, {\"name\": \"g\", "
                        + "\"arguments\": {}}]"));
    }

    @Test
    void unicode() {
        assertEquals(message("Ça marche ✓", call(0, "traduire", "{\"texte\": \"日本語 🎌\"}")),
                parse("Ça marche ✓ [TOOL_CALLS][{\"name\": \"traduire\", \"arguments\": {\"texte\": \"日本語 🎌\"}}]"));
    }

    @Test
    void outputCutInsideTheList() {
        assertEquals(message("", call(0, "a", "{}")), parse("[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {}}, "));
        assertEquals(message("", call(0, "a", "{}")), parse("[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {}}"));
        assertEquals(message("", call(0, "a", "{\"k\": [1")),
                parse("[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {\"k\": [1"));
        assertEquals(message("", call(0, "a", "{\"k\": oops}}, {\"name\": \"b\"}]")),
                parse("[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {\"k\": oops}}, {\"name\": \"b\"}]"),
                "arguments broken after the announcement take the rest of the output");
    }
}
