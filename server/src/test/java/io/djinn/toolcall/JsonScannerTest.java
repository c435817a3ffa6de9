package io.djinn.toolcall;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class JsonScannerTest {

    /** Feeds the text; returns the step at its last character or the first non-MORE one, with its position. */
    private static String scan(String text) {
        JsonScanner scanner = new JsonScanner();
        for (int i = 0; i < text.length(); i++) {
            JsonScanner.Step step = scanner.feed(text.charAt(i));
            if (step != JsonScanner.Step.MORE) {
                return step + "@" + i;
            }
        }
        return "MORE";
    }

    @Test
    void completeValuesEndOnTheirLastCharacter() {
        for (String value : List.of("{}", "[]", "\"\"", "true", "false", "null", "{\"a\": [1, -2.5e+3, {\"b\": null}]}",
                "[ \"\\u00e9\\n\\\"\" , {} ]", "{\"}\": \"]\"}")) {
            assertEquals("DONE@" + (value.length() - 1), scan(value), value);
        }
    }

    @Test
    void numbersEndBeforeTheNextCharacter() {
        for (String number : List.of("0", "-0", "12", "3.25", "1e5", "-1.5E-3", "2e+10")) {
            assertEquals("DONE_BEFORE@" + number.length(), scan(number + "}"), number);
            assertEquals("MORE", scan(number), number + " may go on");
        }
        assertEquals("DONE_BEFORE@1", scan("05"), "a leading zero ends the number");
    }

    @Test
    void invalidJsonIsRejectedWhereItBreaks() {
        assertEquals("ERROR@6", scan("{\"a\": }"));
        assertEquals("ERROR@1", scan("{a: 1}"));
        assertEquals("ERROR@9", scan("{\"a\": 1, }"));
        assertEquals("ERROR@3", scan("[1,]"));
        assertEquals("ERROR@3", scan("tru e"));
        assertEquals("ERROR@1", scan("-x"));
        assertEquals("ERROR@2", scan("1.e5"));
        assertEquals("ERROR@2", scan("\"\\x\""), "unknown escape");
        assertEquals("ERROR@3", scan("\"\\uZ000\""));
        assertEquals("ERROR@2", scan("\"a\nb\""), "raw control character");
        assertEquals("ERROR@5", scan("[1, 2}"));
        assertEquals("ERROR@0", scan("}"));
        assertEquals("ERROR@0", scan("'a'"));
    }

    @Test
    void stringDecoderDecodesEscapes() {
        JsonStringDecoder decoder = new JsonStringDecoder();
        String body = "a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"";
        for (int i = 0; i < body.length() - 1; i++) {
            assertEquals(JsonStringDecoder.Step.MORE, decoder.feed(body.charAt(i)));
        }
        assertEquals(JsonStringDecoder.Step.DONE, decoder.feed('"'));
        assertEquals("a\"b\\c/\b\f\n\r\té😀", decoder.text().toString());
    }
}
