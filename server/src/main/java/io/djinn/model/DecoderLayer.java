package io.djinn.model;

import ai.djl.ndarray.NDArray;

/** Pre-norm decoder block: {@code h = x + attn(norm1(x)); y = h + mlp(norm2(h))}. */
final class DecoderLayer {
    final int index;
    final RmsNorm inputNorm;
    final Attention attention;
    final RmsNorm postAttentionNorm;
    final Mlp mlp;

    DecoderLayer(int index, RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, Mlp mlp) {
        this.index = index;
        this.inputNorm = inputNorm;
        this.attention = attention;
        this.postAttentionNorm = postAttentionNorm;
        this.mlp = mlp;
    }

    /** x: [B, L, hidden] -> [B, L, hidden]. */
    NDArray forward(NDArray x, Step s, LlamaKvCache cache) {
        NDArray h = attention.forward(inputNorm.forward(x), s, cache.keys[index], cache.values[index]).addi(x);
        return mlp.forward(postAttentionNorm.forward(h)).addi(h);
    }
}
