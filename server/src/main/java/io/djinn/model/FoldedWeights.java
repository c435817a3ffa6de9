package io.djinn.model;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensors a {@link LlamaModel} computes with, in the runtime dtype: the checkpoint's weights fused, norm-folded
 * and padded to the residual stream's width {@code hidden'} (see {@link LlamaModel}). Either folded from the
 * checkpoint at load time or read from a {@link PreparedWeights} file that holds them as they are.
 *
 * @param embed      [vocab, hidden']: the embedding rows, the stream's constant column included
 * @param layers     one per decoder layer
 * @param lmHead     [vocab, hidden']: the LM head's rows with the final norm folded in; null when tied to embed
 * @param finalScale [hidden']: sqrt(hidden) times the final norm's weight when the head is tied, else null
 */
record FoldedWeights(NDArray embed, Layer[] layers, NDArray lmHead, NDArray finalScale) {

    /**
     * @param qkv     [(H + 2K) * D, hidden'], the input norm folded in (and 1/sqrt(D) into the q rows unless qkNorm)
     * @param qkvBias [(H + 2K) * D] or null (Qwen2)
     * @param qkNorm  [H + K, D] or null (Qwen3): q_norm times 1/sqrt(D) for the q heads, k_norm for the k heads
     * @param o       [hidden', H * D], zero extra rows
     * @param gateUp  [2 * I, hidden'], the post-attention norm folded in
     * @param down    [hidden', I], zero extra rows
     */
    record Layer(NDArray qkv, NDArray qkvBias, NDArray qkNorm, NDArray o, NDArray gateUp, NDArray down) {}

    /** The tensors by the names a prepared-weights file stores them under, in a fixed order (nulls left out). */
    Map<String, NDArray> named() {
        Map<String, NDArray> all = new LinkedHashMap<>();
        all.put("embed", embed);
        for (int i = 0; i < layers.length; i++) {
            Layer l = layers[i];
            String p = "layers." + i + ".";
            all.put(p + "qkv", l.qkv());
            putIfPresent(all, p + "qkv_bias", l.qkvBias());
            putIfPresent(all, p + "qk_norm", l.qkNorm());
            all.put(p + "o", l.o());
            all.put(p + "gate_up", l.gateUp());
            all.put(p + "down", l.down());
        }
        putIfPresent(all, "lm_head", lmHead);
        putIfPresent(all, "final_scale", finalScale);
        return all;
    }

    /** The shapes {@link #named()} has for a model of config {@code c}, in the same order. */
    static Map<String, long[]> shapes(ModelConfig c) {
        long padded = LlamaModel.paddedHidden(c.hiddenSize());
        long heads = c.numAttentionHeads();
        long kv = c.numKeyValueHeads();
        long hd = c.headDim();
        long inter = c.intermediateSize();
        Map<String, long[]> all = new LinkedHashMap<>();
        all.put("embed", new long[] {c.vocabSize(), padded});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "layers." + i + ".";
            all.put(p + "qkv", new long[] {(heads + 2 * kv) * hd, padded});
            if (c.architecture().qkvBias()) {
                all.put(p + "qkv_bias", new long[] {(heads + 2 * kv) * hd});
            }
            if (c.architecture().qkNorm()) {
                all.put(p + "qk_norm", new long[] {heads + kv, hd});
            }
            all.put(p + "o", new long[] {padded, heads * hd});
            all.put(p + "gate_up", new long[] {2 * inter, padded});
            all.put(p + "down", new long[] {padded, inter});
        }
        if (c.tieWordEmbeddings()) {
            all.put("final_scale", new long[] {padded});
        } else {
            all.put("lm_head", new long[] {c.vocabSize(), padded});
        }
        return all;
    }

    /** Rebuilds the record from tensors named as {@link #named()} names them. */
    static FoldedWeights of(ModelConfig c, Map<String, NDArray> named) {
        Layer[] layers = new Layer[c.numHiddenLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "layers." + i + ".";
            layers[i] = new Layer(named.get(p + "qkv"), named.get(p + "qkv_bias"), named.get(p + "qk_norm"),
                    named.get(p + "o"), named.get(p + "gate_up"), named.get(p + "down"));
        }
        return new FoldedWeights(named.get("embed"), layers, named.get("lm_head"), named.get("final_scale"));
    }

    private static void putIfPresent(Map<String, NDArray> all, String name, NDArray a) {
        if (a != null) {
            all.put(name, a);
        }
    }
}
