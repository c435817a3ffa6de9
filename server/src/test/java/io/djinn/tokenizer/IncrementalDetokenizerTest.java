package io.djinn.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class IncrementalDetokenizerTest {
    private static final String[] PIECES = {
        "🦙", "👩‍👩‍👧", "🇵🇹", "é", "e\u0301", "今天", "東京", "오늘", " ", "   ", "\n", "\t", "hello", " world", "123",
        "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<tool_call>", "{\"a\": 1}", "∑", "—",
    };

    static String randomText(Random rnd) {
        StringBuilder b = new StringBuilder();
        int n = 1 + rnd.nextInt(40);
        for (int i = 0; i < n; i++) {
            switch (rnd.nextInt(3)) {
                case 0 -> b.append(PIECES[rnd.nextInt(PIECES.length)]);
                case 1 -> b.append(TestTokenizers.SAMPLES[rnd.nextInt(TestTokenizers.SAMPLES.length)]);
                default -> {
                    int cp;
                    do {
                        cp = switch (rnd.nextInt(4)) {
                            case 0 -> 0x20 + rnd.nextInt(0x5f);
                            case 1 -> 0xa0 + rnd.nextInt(0x700);
                            case 2 -> 0x3000 + rnd.nextInt(0x7000);
                            default -> 0x1F300 + rnd.nextInt(0x700);
                        };
                    } while (!Character.isDefined(cp) || Character.getType(cp) == Character.SURROGATE);
                    b.appendCodePoint(cp);
                }
            }
        }
        return b.toString();
    }

    @Test
    void appendsConcatenateToFullDecodeWithoutReplacementChars() {
        Tokenizer tok = TestTokenizers.tokenizer();
        Random rnd = new Random(12345);
        for (int iter = 0; iter < 400; iter++) {
            String text = randomText(rnd);
            int[] ids = tok.encode(text);
            for (boolean skip : new boolean[] {false, true}) {
                IncrementalDetokenizer detok = new IncrementalDetokenizer(tok, skip);
                StringBuilder out = new StringBuilder();
                for (int id : ids) {
                    String piece = detok.append(id);
                    assertFalse(piece.indexOf('\uFFFD') >= 0, () -> "U+FFFD in a streamed piece of " + text);
                    out.append(piece);
                }
                out.append(detok.flush());
                assertEquals(tok.decode(ids, skip), out.toString(), "skip=" + skip);
                if (!skip) assertEquals(text, out.toString());
            }
        }
    }

    @Test
    void emojiIsHeldBackUntilComplete() {
        Tokenizer tok = TestTokenizers.tokenizer();
        int[] ids = tok.encode("🦙");
        assertTrue(ids.length > 1, "the llama should span several byte tokens");
        IncrementalDetokenizer detok = new IncrementalDetokenizer(tok, false);
        for (int i = 0; i < ids.length - 1; i++) assertEquals("", detok.append(ids[i]));
        assertEquals("🦙", detok.append(ids[ids.length - 1]));
        assertEquals("", detok.flush());
    }

    @Test
    void flushEmitsIncompleteTailAsInFullDecode() {
        Tokenizer tok = TestTokenizers.tokenizer();
        int[] ids = tok.encode("ok 🦙");
        int[] cut = java.util.Arrays.copyOf(ids, ids.length - 1);
        IncrementalDetokenizer detok = new IncrementalDetokenizer(tok, false);
        StringBuilder out = new StringBuilder();
        for (int id : cut) out.append(detok.append(id));
        assertFalse(out.toString().contains("\uFFFD"));
        out.append(detok.flush());
        assertEquals(tok.decode(cut, false), out.toString());
        assertTrue(out.toString().endsWith("\uFFFD"));
    }

    @Test
    void longStreamStaysCorrect() {
        Tokenizer tok = TestTokenizers.tokenizer();
        StringBuilder b = new StringBuilder();
        Random rnd = new Random(99);
        while (b.length() < 50_000) b.append(randomText(rnd));
        int[] ids = tok.encode(b.toString());
        IncrementalDetokenizer detok = new IncrementalDetokenizer(tok, true);
        StringBuilder out = new StringBuilder();
        for (int id : ids) out.append(detok.append(id));
        out.append(detok.flush());
        assertEquals(tok.decode(ids, true), out.toString());
    }

    /** vLLM's spaces_between_special_tokens: off, adjacent added tokens come out as their bare contents. */
    @Test
    void spacesBetweenSpecialTokensAndSkipSpecialTokens() {
        Tokenizer tok = TestTokenizers.tokenizer();
        String text = "hi<|im_end|><|im_start|><think>é ok<|endoftext|>";
        int[] ids = tok.encode(text);
        for (boolean spaces : new boolean[] {true, false}) {
            for (boolean skip : new boolean[] {true, false}) {
                IncrementalDetokenizer d = new IncrementalDetokenizer(tok, skip, spaces);
                StringBuilder out = new StringBuilder();
                for (int id : ids) out.append(d.append(id));
                out.append(d.flush());
                // the byte-level decoder never puts spaces around added tokens, so both settings agree with it
                assertEquals(tok.decode(ids, skip), out.toString(), "spaces=" + spaces + " skip=" + skip);
                assertEquals(skip ? "hi<think>é ok" : text, out.toString(), "skip drops special tokens only");
            }
        }
        assertTrue(tok.isAdded(tok.tokenId("<think>").getAsInt()));
        assertFalse(tok.isSpecial(tok.tokenId("<think>").getAsInt()), "added but not special");
    }

    /**
     * A random-weight model kept emitting one token whose bytes end in a lead byte (0x19 0xD3): each lead is broken
     * by the next token, but the window always ended in a fresh one, and the whole answer came out in one piece at
     * the end. Now only the token holding the unfinished character waits.
     */
    @Test
    void aTokenEndingInALeadByteHoldsBackOnlyItself() {
        Tokenizer tok = TestTokenizers.tokenizer();
        int endsInLead = -1;
        for (int id = 0; id < tok.vocabSize() && endsInLead < 0; id++) {
            byte[] b = tok.tokenBytes(id);
            int last = b.length == 0 ? 0 : b[b.length - 1] & 0xFF;
            if (b.length >= 2 && last >= 0xC2 && last <= 0xF4 && !tok.isSpecial(id) && isComplete(b, b.length - 1)) {
                endsInLead = id;
            }
        }
        assertTrue(endsInLead >= 0, "the generated vocabulary merges some character with the next one's lead byte");
        int[] ids = new int[40];
        java.util.Arrays.fill(ids, endsInLead);
        int x = singleByteToken(tok, 0x19);
        for (int i = 0; i < ids.length; i += 2) {
            ids[i] = x;                    // 0x19 0xD3 0x19 0xD3 ...: every lead is broken by the next 0x19
        }
        for (boolean skip : new boolean[] {false, true}) {
            IncrementalDetokenizer detok = new IncrementalDetokenizer(tok, skip);
            StringBuilder out = new StringBuilder();
            int emptyRun = 0;
            int longestEmptyRun = 0;
            for (int id : ids) {
                String piece = detok.append(id);
                emptyRun = piece.isEmpty() ? emptyRun + 1 : 0;
                longestEmptyRun = Math.max(longestEmptyRun, emptyRun);
                out.append(piece);
            }
            out.append(detok.flush());
            assertEquals(tok.decode(ids, skip), out.toString(), "the pieces still add up to the full decode");
            assertTrue(longestEmptyRun <= 1, "text waits for one token at most, not " + longestEmptyRun);
        }
        // the same with multi-byte tokens that end in a lead byte, when the vocabulary has one
        int[] merged = new int[30];
        java.util.Arrays.fill(merged, endsInLead);
        IncrementalDetokenizer detok = new IncrementalDetokenizer(tok, false);
        StringBuilder out = new StringBuilder();
        int nonEmpty = 0;
        for (int id : merged) {
            String piece = detok.append(id);
            nonEmpty += piece.isEmpty() ? 0 : 1;
            out.append(piece);
        }
        out.append(detok.flush());
        assertEquals(tok.decode(merged, false), out.toString());
        assertTrue(nonEmpty >= merged.length - 2, "a stream of broken leads flows: " + nonEmpty + " non-empty pieces");
    }

    /** Whether bytes [0, end) are whole UTF-8 characters. */
    private static boolean isComplete(byte[] b, int end) {
        byte[] head = java.util.Arrays.copyOf(b, end);
        return java.util.Arrays.equals(head,
                new String(head, java.nio.charset.StandardCharsets.UTF_8).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void bytesThatCanNeverFormACharacterAreNotHeldBack() {
        Tokenizer tok = TestTokenizers.tokenizer();
        int continuation = singleByteToken(tok, 0x80);
        int euroLead = singleByteToken(tok, 0xE2);
        int euroMiddle = singleByteToken(tok, 0x82);
        int euroLast = singleByteToken(tok, 0xAC);
        IncrementalDetokenizer detok = new IncrementalDetokenizer(tok, true);
        // A stray continuation byte is U+FFFD in any decode: it is released at once, every time.
        for (int i = 0; i < 50; i++) {
            assertEquals("\uFFFD", detok.append(continuation), "token " + i);
        }
        // The start of a real character is still held until it completes.
        assertEquals("", detok.append(euroLead));
        assertEquals("", detok.append(euroMiddle));
        assertEquals("€", detok.append(euroLast));
        assertEquals("", detok.flush());
        int[] all = new int[53];
        java.util.Arrays.fill(all, 0, 50, continuation);
        all[50] = euroLead;
        all[51] = euroMiddle;
        all[52] = euroLast;
        assertEquals(tok.decode(all, true), "\uFFFD".repeat(50) + "€");
    }

    private static int singleByteToken(Tokenizer tok, int b) {
        for (int id = 0; id < tok.vocabSize(); id++) {
            byte[] bytes = tok.tokenBytes(id);
            if (bytes.length == 1 && (bytes[0] & 0xFF) == b && !tok.isSpecial(id)) {
                return id;
            }
        }
        throw new AssertionError("no single-byte token for " + b);
    }
}
