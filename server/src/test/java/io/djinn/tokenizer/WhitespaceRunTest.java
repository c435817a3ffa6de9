package io.djinn.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 item 1: a whitespace run of about 10 million characters makes the native pre-tokenizer's regex hit
 * Oniguruma's retry limit, and the Rust panic ends the JVM. {@link Tokenizer#encode} cuts such runs; everything a
 * real prompt holds still tokenizes exactly as one native call does.
 */
class WhitespaceRunTest {

    private static HuggingFaceTokenizer raw;

    @BeforeAll
    static void load() throws Exception {
        raw = HuggingFaceTokenizer.newInstance(TestTokenizers.dir().resolve("tokenizer.json"),
                Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
    }

    @AfterAll
    static void close() {
        raw.close();
    }

    private static int[] native1(String text) {
        long[] ids = raw.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = (int) ids[i];
        return out;
    }

    @Test
    void realPromptsTokenizeIdentically() {
        List<String> texts = new ArrayList<>(List.of(TestTokenizers.SAMPLES));
        texts.add("def f():\n" + "    ".repeat(40) + "return 1\n" + " ".repeat(2000) + "|\t\t\t\n\n\n" + "\u00a0".repeat(50));
        texts.add("padded" + " ".repeat(Tokenizer.MAX_WHITESPACE_RUN) + "table" + "\n".repeat(Tokenizer.MAX_WHITESPACE_RUN));
        texts.add(" ".repeat(Tokenizer.MAX_WHITESPACE_RUN));
        for (String text : texts) {
            assertArrayEquals(native1(text), TestTokenizers.tokenizer().encode(text), text);
        }
    }

    @Test
    void longRunsAreCutOnlyInsideTheRun() {
        int max = Tokenizer.MAX_WHITESPACE_RUN;
        String text = "a" + " ".repeat(max * 2 + 5) + "b";
        assertEquals(1 + max, Tokenizer.nextCut(text, 0));
        assertEquals(1 + 2 * max, Tokenizer.nextCut(text, 1 + max));
        assertEquals(-1, Tokenizer.nextCut(text, 1 + 2 * max));
        // the pieces still decode to the whole text
        int[] ids = TestTokenizers.tokenizer().encode(text);
        assertEquals(text, TestTokenizers.tokenizer().decode(ids, false));
    }

    @Test
    void tenMillionWhitespaceCharactersDoNotEndTheProcess() {
        long t0 = System.nanoTime();
        String text = " ".repeat(10_000_000) + "x";
        int[] ids = TestTokenizers.tokenizer().encode(text);
        assertTrue(ids.length > 0);
        assertTrue(TestTokenizers.tokenizer().decode(ids, ids.length - 2, ids.length, false).endsWith("x"));
        System.out.println("10M spaces: " + ids.length + " ids in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }
}
