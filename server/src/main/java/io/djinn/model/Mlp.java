package io.djinn.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * SwiGLU feed-forward: {@code down(silu(x @ Wgate) * (x @ Wup))}, gate and up fused into one product.
 *
 * <pre>
 *   gu = x @ Wgu                     [B, L, 2I]
 *   h  = silu(gu[:I]) * gu[I:]       [B, L, I]
 *   y  = h @ Wdown                   [B, L, hidden]
 * </pre>
 */
final class Mlp {
    private final long intermediate;
    private final NDArray gateUpWeight;  // [hidden, 2I], pre-transposed
    private final NDArray downWeight;    // [I, hidden], pre-transposed

    Mlp(ModelConfig c, NDArray gateUpWeight, NDArray downWeight) {
        this.intermediate = c.intermediateSize();
        this.gateUpWeight = gateUpWeight;
        this.downWeight = downWeight;
    }

    NDArray forward(NDArray x) {
        NDList gu = x.matMul(gateUpWeight).split(new long[] {intermediate}, 2);
        NDArray gate = gu.get(0);
        NDArray h = gate.getNDArrayInternal().sigmoid().muli(gate).muli(gu.get(1));
        return h.matMul(downWeight);
    }
}
