package io.djinn.structured;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The cached, trie-walked masks against a token-by-token reference (advance the parser over each token's bytes, keep
 * it if the document can still complete within the budget), on the generated vocabulary and on an adversarial one
 * full of tokens that cross frame boundaries ({@code ",}, {@code "}]}, {@code 1,}, partial UTF-8...). They are equal
 * whenever the budget leaves room; when it is nearly spent, the mask may leave out a multi-byte token that the
 * reference reaches only through a cheaper parse (see {@link StateMask#build}), never adds one, and keeps every
 * single-byte token the reference allows (so a shortest completion is always there).
 */
class MaskTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<Grammar> grammars() throws Exception {
        List<Grammar> g = new ArrayList<>();
        g.add(Grammars.jsonObject());
        g.add(Grammars.jsonSchema(JSON.readTree("""
                {"type":"object","properties":{"name":{"type":"string"},"age":{"type":["integer","null"]},
                 "tags":{"type":"array","items":{"enum":["a","b\\"c",1.5,null]}},"ok":{"type":"boolean"}},
                 "required":["name","tags"],"additionalProperties":false}""")));
        g.add(Grammars.jsonSchema(JSON.readTree("""
                {"$defs":{"node":{"type":"object","properties":{"v":{"type":"number"},
                 "kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["v"]}},
                 "anyOf":[{"$ref":"#/$defs/node"},{"type":"array","items":{"type":"string"}},{"const":"x"}]}""")));
        g.add(Grammars.jsonSchema(JSON.readTree("{}")));
        g.add(Grammars.regex("(\\d{1,3}\\.){3}\\d{1,3}|[a-z]+@[a-z]+\\.(com|org)"));
        g.add(Grammars.regex("[^\"]{0,8}é+\\s?x*"));
        g.add(Grammars.choice(List.of("yes", "no", "yesterday", "日本語")));
        g.add(Grammars.sequence(Grammars.literal("<tool_call>\n{\"name\": \"f\", \"arguments\": "),
                Grammars.jsonSchema(JSON.readTree("""
                        {"type":"object","properties":{"q":{"type":"string"},"n":{"type":"integer"}},
                         "required":["q"]}""")), Grammars.literal("}\n</tool_call>")));
        g.add(Grammars.repeat(Grammars.regex("[0-9]+"), Grammars.literal(","), 1, -1));
        return g;
    }

    /** All bytes, the generated tokenizer's merges, and random strings over the JSON alphabet. */
    static TokenVocabulary adversarial(long seed) {
        List<byte[]> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(new byte[] {(byte) b});
        }
        LinkedHashSet<String> extra = new LinkedHashSet<>(List.of("\",", "\"}", "\"]", "\", \"", "\":", "\": \"",
                "{\"", "[\"", "\"},{\"", "1,", "12", "0.", "e+", "true,", "null}", "\\u", "\\\"", "é", "日本",
                "\"}]}", "}}", "]]", "\":[", "\":{\"", ", \"", ",\"", "\"na", "name\":", "\"name\": \"", "00", "-0",
                "1e", "e9", ".5", "\\\\", "\\n", "\\ud8", "\\u00e9", "ye", "yes", "<tool", "_call>", "arguments\": {",
                "</tool_call>", " ", "  ", "\n", "}\n", "1.2.3", "@a", ".com"));
        String alphabet = "{}[]\":, 0123456789.eE+-truefalsn\\aéxyz日@/";
        SplittableRandom r = new SplittableRandom(seed);
        while (extra.size() < 2500) {
            StringBuilder sb = new StringBuilder();
            int len = 2 + r.nextInt(6);
            for (int i = 0; i < len; i++) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            extra.add(sb.toString());
        }
        for (String s : extra) {
            tokens.add(s.getBytes(StandardCharsets.UTF_8));
        }
        tokens.add(new byte[] {(byte) 0xC3}); // duplicate of a byte token
        tokens.add(new byte[] {(byte) 0xA9, '"', ','}); // ends a split "é" then leaves the string
        tokens.add(null); // a special token
        tokens.add("<eos>".getBytes(StandardCharsets.UTF_8)); // the EOS id: never a grammar token
        int eos = tokens.size() - 1;
        return TokenVocabulary.of(tokens, new int[] {eos}, tokens.size() + 3);
    }

    /** The reference: every id checked on its own. */
    static long[] naive(TokenVocabulary vocab, Frontier f, int remaining) {
        long[] out = new long[vocab.words];
        int limit = Math.max(remaining - 1, f.minCost() - 1);
        for (int id = 0; id < vocab.modelVocabSize; id++) {
            if (vocab.isEos(id)) {
                if (f.complete) {
                    out[id >>> 6] |= 1L << id;
                }
                continue;
            }
            byte[] b = vocab.bytes(id);
            if (b == null) {
                continue;
            }
            Frontier next = f.step(b);
            if (next != null && next.minCost() <= limit) {
                out[id >>> 6] |= 1L << id;
            }
        }
        return out;
    }

    static int pick(long[] mask, SplittableRandom r) {
        BitSet bits = BitSet.valueOf(mask);
        int n = bits.cardinality();
        int k = r.nextInt(n);
        int id = bits.nextSetBit(0);
        for (int i = 0; i < k; i++) {
            id = bits.nextSetBit(id + 1);
        }
        return id;
    }

    private static void compareAlongRandomWalks(TokenVocabulary vocab, int seeds) throws Exception {
        int steps = 0;
        int tightChecks = 0;
        int tightDiffs = 0;
        for (Grammar g : grammars()) {
            for (int seed = 0; seed < seeds; seed++) {
                SplittableRandom r = new SplittableRandom(seed * 31L + g.hashCode());
                GrammarConstraint c = new GrammarConstraint(g, vocab);
                int budget = c.minTokens() + 5 + r.nextInt(40);
                while (!c.isComplete()) {
                    Frontier f = c.frontier();
                    for (int remaining : new int[] {budget, Math.max(1, c.minTokens()), c.minTokens() + 1,
                            c.minTokens() + 3, 10_000}) {
                        long[] expected = naive(vocab, f, remaining);
                        long[] actual = c.allowed(remaining);
                        boolean roomy = remaining >= 10_000;
                        if (!roomy) {
                            BitSet extra = BitSet.valueOf(actual);
                            extra.andNot(BitSet.valueOf(expected));
                            assertTrue(extra.isEmpty(), () -> "allowed beyond the reference: " + extra);
                            BitSet single = BitSet.valueOf(expected);
                            single.andNot(BitSet.valueOf(actual));
                            single.stream().forEach(id -> assertTrue(vocab.bytes(id) == null
                                    || vocab.bytes(id).length > 1, () -> "single-byte token " + id + " left out"));
                            assertFalse(BitSet.valueOf(actual).isEmpty());
                            tightChecks++;
                            tightDiffs += Arrays.equals(expected, actual) ? 0 : 1;
                            continue;
                        }
                        if (!Arrays.equals(expected, actual)) {
                            BitSet diff = BitSet.valueOf(expected);
                            diff.xor(BitSet.valueOf(actual));
                            int id = diff.nextSetBit(0);
                            throw new AssertionError(g + " seed " + seed + " remaining " + remaining + " at " + f
                                    + ": token " + id + " '" + new String(vocab.bytes(id) == null ? new byte[0]
                                    : vocab.bytes(id), StandardCharsets.UTF_8) + "' expected "
                                    + BitSet.valueOf(expected).get(id));
                        }
                    }
                    long[] mask = c.allowed(budget);
                    int id = pick(mask, r);
                    if (vocab.isEos(id)) {
                        c.accept(id);
                        break;
                    }
                    c.accept(id);
                    budget--;
                    steps++;
                    assertTrue(budget >= c.minTokens(), "budget kept");
                }
            }
        }
        assertTrue(steps > 100, "walked " + steps + " steps");
        assertTrue(tightDiffs * 20 <= tightChecks, tightDiffs + " of " + tightChecks + " tight masks differ");
    }

    @Test
    void masksEqualReferenceOnGeneratedVocabulary() throws Exception {
        compareAlongRandomWalks(TestVocab.vocab(), 4);
    }

    @Test
    void masksEqualReferenceOnAdversarialVocabulary() throws Exception {
        compareAlongRandomWalks(adversarial(7), 6);
    }

    @Test
    void eosOnlyWhenComplete() {
        TokenVocabulary vocab = adversarial(1);
        int eos = vocab.eosIds[0];
        GrammarConstraint c = new GrammarConstraint(Grammars.regex("ab?"), vocab);
        assertEquals(1, c.minTokens());
        assertFalse(BitSet.valueOf(c.allowed(10)).get(eos));
        assertThrows(IllegalStateException.class, () -> c.accept(eos));
        assertThrows(IllegalStateException.class, () -> c.accept('b'));
        c.accept('a');
        assertTrue(c.canEnd());
        assertFalse(c.isComplete());
        BitSet allowed = BitSet.valueOf(c.allowed(10));
        assertEquals(BitSet.valueOf(new long[0]).getClass(), allowed.getClass());
        assertTrue(allowed.get(eos) && allowed.get('b'));
        assertEquals(2, allowed.cardinality());
        c.accept('b');
        assertTrue(c.isComplete());
        BitSet end = BitSet.valueOf(c.allowed(10));
        assertEquals(1, end.cardinality());
        assertTrue(end.get(eos));
        c.accept(eos);
        assertTrue(c.isComplete());
        assertThrows(IllegalStateException.class, () -> c.allowed(1));
    }

    @Test
    void budgetForcesTheShortestCompletion() {
        TokenVocabulary vocab = adversarial(2);
        GrammarConstraint c = new GrammarConstraint(Grammars.jsonObject(), vocab);
        assertEquals(2, c.minTokens());
        // With 2 tokens left only '{' (then '}') fits; '{"' would need at least 4 bytes in total.
        BitSet first = BitSet.valueOf(c.allowed(2));
        assertEquals(1, first.cardinality());
        assertTrue(first.get('{'));
        c.accept('{');
        c.accept('"');
        c.accept('a');
        assertEquals(4, c.minTokens()); // "":0}
        BitSet tight = BitSet.valueOf(c.allowed(4));
        assertTrue(tight.get('"'));
        assertTrue(tight.get(vocab.trie.ids[0]) || true);
        for (int id = tight.nextSetBit(0); id >= 0; id = tight.nextSetBit(id + 1)) {
            Frontier next = c.frontier().step(vocab.bytes(id));
            assertTrue(next.minCost() <= 3, "token " + new String(vocab.bytes(id), StandardCharsets.UTF_8));
        }
        // Below the minimum the mask still follows a shortest completion.
        assertArrayEquals(c.allowed(4), c.allowed(1));
    }

    @Test
    void nullAndPaddingIdsAreNeverAllowed() {
        TokenVocabulary vocab = adversarial(3);
        GrammarConstraint c = new GrammarConstraint(Grammars.regex("(.|\\n)*"), vocab);
        BitSet all = BitSet.valueOf(c.allowed(100));
        int specialId = vocab.eosIds[0] - 1;
        assertFalse(all.get(specialId));
        for (int id = vocab.eosIds[0] + 1; id < vocab.modelVocabSize; id++) {
            assertFalse(all.get(id));
        }
        assertTrue(all.get(vocab.eosIds[0]));
        assertThrows(IllegalStateException.class, () -> c.accept(specialId));
        assertTrue(vocab.coversAllBytes());
    }
}
