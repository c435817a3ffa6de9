package io.djinn.model;

import static io.djinn.model.Ops.op;

import ai.djl.ndarray.NDArray;

/**
 * Pre-norm decoder block: {@code h = x + attn(norm1(x)); y = h + mlp(norm2(h))}. Each norm is one normalization
 * of the padded residual stream (see {@link LlamaModel}); its weight lives in the projection that follows.
 */
final class DecoderLayer {
    final int index;
    final Attention attention;
    final Mlp mlp;

    DecoderLayer(int index, Attention attention, Mlp mlp) {
        this.index = index;
        this.attention = attention;
        this.mlp = mlp;
    }

    /** x: [T, hidden'] -> [T, hidden']. */
    NDArray forward(NDArray x, Step s, LlamaKvCache cache) {
        NDArray h = attention.forward(normalize(x), s, cache.keys[index], cache.values[index], x);
        return mlp.forward(normalize(h), h);
    }

    /**
     * {@code x / ||x||} over the last axis. The stream's constant column makes this RMSNorm without its weight, up
     * to the factor sqrt(hidden) that the next projection carries: ||x||^2 = sum(x_i^2) + hidden * eps.
     */
    static NDArray normalize(NDArray x) {
        return op(x.normalize(2, -1, 1e-12));
    }
}
