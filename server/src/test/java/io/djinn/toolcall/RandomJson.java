package io.djinn.toolcall;

import java.util.List;
import java.util.Random;

/** Random JSON texts and prose for property tests, rich in the characters that markup is made of. */
final class RandomJson {

    private static final List<String> STRING_PIECES = List.of("a", "Zürich", "雨", "😀", " ", "}", "]", "{", "[",
            ",", ":", ";", "\\\"", "\\\\", "\\n", "\\u00e9", "\\ud83d\\ude00", "</tool_call>", "<tool_call>",
            "[TOOL_CALLS]", "<|python_tag|>", "</think>", "name", "arguments", "<", "/");
    private static final List<String> WORDS = List.of("Hello", "world", "a < b", "x > y", "Zürich", "雨", "😀",
            "[1]", "}", "]", "<tool", "</tool_call>", "<tool_calls>", "[TOOL]", "{x}", "<|python|>", "call:",
            "name", "\"quoted\"", "<think", "</th", "tool_call>");

    private RandomJson() {}

    /** A random JSON object. */
    static String object(Random random, int depth, boolean spaced) {
        int size = random.nextInt(depth > 2 ? 2 : 4);
        StringBuilder text = new StringBuilder("{");
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                text.append(spaced ? ", " : ",");
            }
            text.append(string(random)).append(spaced ? ": " : ":").append(value(random, depth + 1, spaced));
        }
        return text.append('}').toString();
    }

    static String value(Random random, int depth, boolean spaced) {
        int kind = random.nextInt(depth > 3 ? 5 : 7);
        return switch (kind) {
            case 0 -> string(random);
            case 1 -> List.of("0", "-1", "3.25", "1e5", "-0.5E-3", "42").get(random.nextInt(6));
            case 2 -> List.of("true", "false", "null").get(random.nextInt(3));
            case 3, 4 -> string(random);
            case 5 -> object(random, depth, spaced);
            default -> {
                StringBuilder array = new StringBuilder("[");
                int size = random.nextInt(4);
                for (int i = 0; i < size; i++) {
                    array.append(i > 0 ? (spaced ? ", " : ",") : "").append(value(random, depth + 1, spaced));
                }
                yield array.append(']').toString();
            }
        };
    }

    static String string(Random random) {
        StringBuilder text = new StringBuilder("\"");
        int size = random.nextInt(5);
        for (int i = 0; i < size; i++) {
            text.append(STRING_PIECES.get(random.nextInt(STRING_PIECES.size())));
        }
        return text.append('"').toString();
    }

    /** A function name. */
    static String name(Random random) {
        return List.of("get_weather", "search", "f", "météo", "run_code", "a.b-c").get(random.nextInt(6));
    }

    /** Prose that starts and ends with a non-space character and contains no complete opening marker. */
    static String prose(Random random) {
        StringBuilder text = new StringBuilder(WORDS.get(random.nextInt(WORDS.size())));
        int size = random.nextInt(6);
        for (int i = 0; i < size; i++) {
            text.append(List.of(" ", "\n", "  ", "\n\n", "").get(random.nextInt(5)));
            text.append(WORDS.get(random.nextInt(WORDS.size())));
        }
        return text.toString();
    }
}
