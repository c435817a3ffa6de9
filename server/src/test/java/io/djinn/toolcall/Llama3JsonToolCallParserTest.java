package io.djinn.toolcall;

import static io.djinn.toolcall.Harness.call;
import static io.djinn.toolcall.Harness.message;
import static io.djinn.toolcall.Harness.parseEveryWay;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class Llama3JsonToolCallParserTest {

    private static AssistantMessage parse(String text) {
        return parseEveryWay(ToolCallFormat.LLAMA3_JSON, text);
    }

    @Test
    void plainContentPassesUnchanged() {
        assertEquals(message("The answer is 4."), parse("The answer is 4."));
        assertEquals(message("\n  Indented answer {\"name\": \"f\", \"parameters\": {}}\n"),
                parse("\n  Indented answer {\"name\": \"f\", \"parameters\": {}}\n"),
                "an object after other text is content");
        assertEquals(message("<|python_tag> almost"), parse("<|python_tag> almost"));
    }

    @Test
    void oneCall() {
        assertEquals(message("", call(0, "get_weather", "{\"city\": \"Paris\"}")),
                parse("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}"));
        assertEquals(message("", call(0, "get_weather", "{\"city\": \"Paris\"}")),
                parse("\n\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n"),
                "\"arguments\" accepted, surrounding whitespace dropped");
        assertEquals(message("", call(0, "f", "{\"a\": 1}")),
                parse("<|python_tag|>{\"name\": \"f\", \"parameters\": {\"a\": 1}}"));
        assertEquals(message("", call(0, "f", "{\"a\": 1}")),
                parse(" <|python_tag|> {\"parameters\": {\"a\": 1}, \"name\": \"f\"}"));
    }

    @Test
    void severalCalls() {
        assertEquals(message("", call(0, "a", "{\"x\": 1}"), call(1, "b", "{}"), call(2, "c", "{}")),
                parse("{\"name\": \"a\", \"parameters\": {\"x\": 1}}; {\"name\": \"b\", \"parameters\": {}};"
                        + "<|python_tag|>{\"name\": \"c\", \"parameters\": {}}"));
    }

    @Test
    void jsonThatIsNotACallIsContent() {
        for (String text : List.of("{\"name\": \"Ada\", \"age\": 36}", "{\"result\": [1, 2, 3]}",
                "{\"name\": \"f\"}", "{not json}", "{",
                "<|python_tag|>brave_search.call(query=\"weather\")")) {
            assertEquals(message(text), parse(text), text);
        }
    }

    @Test
    void textAfterTheCallsIsContent() {
        assertEquals(message("I called it.", call(0, "f", "{}")),
                parse("{\"name\": \"f\", \"parameters\": {}}\nI called it."));
        assertEquals(message("; then text", call(0, "f", "{}")),
                parse("{\"name\": \"f\", \"parameters\": {}}; then text"));
        assertEquals(message("", call(0, "f", "{}")), parse("{\"name\": \"f\", \"parameters\": {}}; "),
                "a dangling separator");
    }

    @Test
    void nestedStringsAndUnicode() {
        String arguments = "{\"q\": \"{\\\"name\\\": \\\"x\\\"}; <|python_tag|> }\", \"città\": \"Milano 🍕\", "
                + "\"deep\": {\"a\": {\"b\": {\"c\": [true]}}}}";
        assertEquals(message("", call(0, "cerca", arguments)),
                parse("{\"name\": \"cerca\", \"parameters\": " + arguments + "}"));
    }

    @Test
    void outputCut() {
        assertEquals(message("", call(0, "f", "{\"a\": \"par")), parse("{\"name\": \"f\", \"parameters\": {\"a\": \"par"));
        assertEquals(message("", call(0, "f", "{}")), parse("{\"name\": \"f\", \"parameters\": {}"),
                "announced once the parameters began");
        assertEquals(message("{\"name\": \"f\""), parse("{\"name\": \"f\""));
    }
}
