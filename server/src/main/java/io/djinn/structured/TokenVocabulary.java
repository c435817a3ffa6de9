package io.djinn.structured;

import io.djinn.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The model's tokens as byte strings, in a trie, for computing token masks. Built once per tokenizer and shared by
 * every constraint and thread: building sorts and indexes every token (a few hundred milliseconds for 150,000
 * tokens, so build it once per model, off the request path), and the masks cached for each grammar state are kept
 * per vocabulary.
 *
 * <p>Special tokens (null bytes) are never allowed by a grammar; the EOS ids are allowed exactly when the output is
 * a complete document. Ids from the tokenizer's size up to the model's vocabulary size (padding rows of the
 * embedding) are never allowed.
 */
public final class TokenVocabulary {
    /**
     * Cap on the bytes of cached masks per vocabulary (a dense mask of a 150,000-token vocabulary is 19 KB; most
     * states have small sparse masks); past it, new masks are computed per step instead of cached.
     */
    static final long MASK_CACHE_BYTES = 256L << 20;

    final int modelVocabSize;
    final int words;
    final int[] eosIds;
    /** Per id, the bytes the grammar sees, or null. */
    final byte[][] bytes;
    final Trie trie;
    private final boolean coversAllBytes;
    final AtomicLong cachedMaskBytes = new AtomicLong();

    private TokenVocabulary(int modelVocabSize, int[] eosIds, byte[][] bytes, Trie trie, boolean coversAllBytes) {
        this.modelVocabSize = modelVocabSize;
        this.words = (modelVocabSize + 63) >>> 6;
        this.eosIds = eosIds;
        this.bytes = bytes;
        this.trie = trie;
        this.coversAllBytes = coversAllBytes;
    }

    /**
     * @param tokenBytes     per id, the bytes the token decodes to; null (or empty) = the grammar may never pick it
     * @param eosTokenIds    ids that end the sequence; allowed exactly when the document is complete
     * @param modelVocabSize size of the model's logits row; masks cover exactly this many ids
     */
    public static TokenVocabulary of(List<byte[]> tokenBytes, int[] eosTokenIds, int modelVocabSize) {
        if (modelVocabSize <= 0) {
            throw new IllegalArgumentException("modelVocabSize must be positive: " + modelVocabSize);
        }
        int[] eos = Arrays.stream(eosTokenIds).filter(id -> id >= 0 && id < modelVocabSize).distinct().toArray();
        byte[][] bytes = new byte[modelVocabSize][];
        byte[][] strings = new byte[Math.min(tokenBytes.size(), modelVocabSize)][];
        int[] ids = new int[strings.length];
        int n = 0;
        boolean[] single = new boolean[256];
        for (int id = 0; id < strings.length; id++) {
            byte[] b = tokenBytes.get(id);
            if (b == null || b.length == 0 || contains(eos, id)) {
                continue;
            }
            b = b.clone();
            bytes[id] = b;
            strings[n] = b;
            ids[n++] = id;
            if (b.length == 1) {
                single[b[0] & 0xFF] = true;
            }
        }
        boolean all = true;
        for (boolean s : single) {
            all &= s;
        }
        return new TokenVocabulary(modelVocabSize, eos, bytes, Trie.build(strings, ids, n), all);
    }

    /**
     * The vocabulary of a loaded tokenizer: its special tokens (and unused ids) are never picked by a grammar;
     * added non-special tokens count as their text.
     */
    public static TokenVocabulary of(Tokenizer tokenizer, int[] eosTokenIds, int modelVocabSize) {
        List<byte[]> bytes = new ArrayList<>(tokenizer.vocabSize());
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            byte[] b = null;
            if (!tokenizer.isSpecial(id)) {
                try {
                    b = tokenizer.tokenBytes(id);
                } catch (IllegalArgumentException hole) {
                    // an id the tokenizer does not use
                }
            }
            bytes.add(b);
        }
        return of(bytes, eosTokenIds, modelVocabSize);
    }

    public int modelVocabSize() {
        return modelVocabSize;
    }

    /**
     * Whether every byte value has a single-byte token. The termination guarantee (a document completes within
     * the remaining tokens) counts one token per missing byte, which needs this; byte-level BPE vocabularies and
     * SentencePiece ones with byte fallback have it.
     */
    public boolean coversAllBytes() {
        return coversAllBytes;
    }

    /** The token's bytes as the grammar sees them, or null for tokens a grammar never picks (special, EOS). */
    byte[] bytes(int id) {
        return id >= 0 && id < bytes.length ? bytes[id] : null;
    }

    boolean isEos(int id) {
        return contains(eosIds, id);
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "TokenVocabulary[" + modelVocabSize + " ids, " + trie.size + " trie nodes]";
    }
}
