package io.djinn.checkpoint;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.djinn.common.DjlEnvironment;
import io.djinn.tokenizer.TestTokenizers;
import io.djinn.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class TokenizerGeneratorTest {

    @Test
    void specialIdsAndVocabSize() {
        TokenizerGenerator.Result r = TestTokenizers.result();
        Tokenizer tok = TestTokenizers.tokenizer();
        assertEquals(1024, r.vocabSize());
        assertEquals(1024, tok.vocabSize());
        assertEquals(1017, r.endOfTextId());
        assertEquals(1018, r.imStartId());
        assertEquals(1019, r.eosId());
        assertEquals(r.endOfTextId(), r.padId());
        assertEquals(r.endOfTextId(), r.bosId());
        for (var e : r.addedTokenIds().entrySet()) {
            assertEquals(e.getValue(), tok.tokenId(e.getKey()).orElseThrow(), e.getKey());
            assertArrayEquals(new int[] {e.getValue()}, tok.encode(e.getKey()), e.getKey());
        }
        assertTrue(tok.isSpecial(r.eosId()));
        assertTrue(tok.isSpecial(r.imStartId()));
        assertTrue(tok.isSpecial(r.endOfTextId()));
        assertFalse(tok.isSpecial(r.addedTokenIds().get("<think>")));
        assertFalse(tok.isSpecial(r.addedTokenIds().get("<tool_call>")));
        assertFalse(tok.isSpecial(100));
        assertNull(tok.bosToken());
        assertEquals("<|im_end|>", tok.eosToken());
        assertEquals("<|endoftext|>", tok.padToken());
        assertNotNull(tok.chatTemplate());
    }

    @Test
    void roundTripsAndTokenBytes() throws Exception {
        Tokenizer tok = TestTokenizers.tokenizer();
        DjlEnvironment.init();
        try (HuggingFaceTokenizer ref = HuggingFaceTokenizer.newInstance(TestTokenizers.dir().resolve("tokenizer.json"),
                Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"))) {
            for (String text : samples()) {
                int[] ids = tok.encode(text);
                assertEquals(text, tok.decode(ids, false), "round trip");
                long[] l = Arrays.stream(ids).asLongStream().toArray();
                assertEquals(ref.decode(l, false), tok.decode(ids, false), "java decode == native decode");
                assertEquals(ref.decode(l, true), tok.decode(ids, true), "java decode == native decode (skip)");
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                for (int id : ids) bytes.write(tok.tokenBytes(id));
                assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), bytes.toByteArray(), "tokenBytes");
                for (int id : ids) assertEquals(ref.decode(new long[] {id}, false), tok.decode(new int[] {id}, false));
            }
            // invalid UTF-8 (a lone lead byte) falls back to the native replacement rules
            int lead = tok.tokenId(String.valueOf(io.djinn.tokenizer.ByteLevel.byteToChar(0xF0))).orElseThrow();
            int[] ids = {lead, 'a', lead};
            assertEquals(ref.decode(new long[] {lead, 'a', lead}, false), tok.decode(ids, false));
        }
        // special strings are split into specials; skip drops only the special ones
        int[] ids = tok.encode("<|im_start|>user\n<think>x</think><|im_end|>");
        assertEquals("user\n<think>x</think>", tok.decode(ids, true));
    }

    @Test
    void noTruncationOnLongText() {
        Tokenizer tok = TestTokenizers.tokenizer();
        StringBuilder b = new StringBuilder();
        Random rnd = new Random(7);
        while (b.length() < 60_000) b.append(rnd.nextInt(1_000_000)).append(' ').append("🦙");
        String text = b.toString();
        int[] ids = tok.encode(text);
        assertTrue(ids.length > 20_000, "ids: " + ids.length);
        assertEquals(text, tok.decode(ids, false));
    }

    @Test
    void deterministicAndLargeVocabFast(@TempDir Path a, @TempDir Path b) throws Exception {
        long t0 = System.nanoTime();
        TokenizerGenerator.Result big = TokenizerGenerator.write(a, 150_000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(150_000, big.vocabSize());
        assertEquals(149_995, big.eosId());
        assertTrue(ms < 10_000, "generation took " + ms + " ms");
        try (Tokenizer tok = Tokenizer.load(a)) {
            assertEquals(150_000, tok.vocabSize());
            for (String text : samples()) assertEquals(text, tok.decode(tok.encode(text), false));
        }
        TokenizerGenerator.write(b, 150_000);
        assertArrayEquals(Files.readAllBytes(a.resolve("tokenizer.json")), Files.readAllBytes(b.resolve("tokenizer.json")));
        assertArrayEquals(Files.readAllBytes(a.resolve("tokenizer_config.json")), Files.readAllBytes(b.resolve("tokenizer_config.json")));
    }

    @Test
    void rejectsBadSizes(@TempDir Path d) {
        assertThrows(IllegalArgumentException.class, () -> TokenizerGenerator.write(d, 100));
        TokenizerGenerator.Result tiny = TokenizerGenerator.write(d, 263);
        assertEquals(263, tiny.vocabSize());
        try (Tokenizer tok = Tokenizer.load(d)) {
            assertEquals(263, tok.vocabSize());
            assertEquals("héllo 🦙", tok.decode(tok.encode("héllo 🦙"), false));
        }
    }

    static String[] samples() {
        return TestTokenizers.SAMPLES;
    }
}
