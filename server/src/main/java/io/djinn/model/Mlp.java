package io.djinn.model;

import static io.djinn.model.Ops.op;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * SwiGLU feed-forward with its residual: {@code y = residual + down(silu(h @ Wgate) * (h @ Wup))}, gate and up fused
 * into one product, the residual added by the down projection's GEMM.
 *
 * <pre>
 *   gu = h @ Wgu                     [T, 2I]        the post-attention norm's weight folded into Wgu
 *   a  = silu(gu[:I]) * gu[I:]       [T, I]
 *   y  = residual + a @ Wdown        [T, hidden']
 * </pre>
 */
final class Mlp {
    private final long intermediate;
    private final NDArray gateUpWeightT; // [hidden', 2I]: a transposed view of the stored [2I, hidden']
    private final NDArray downWeight;    // [hidden', I] (zero extra rows), for linear

    Mlp(ModelConfig c, NDArray gateUpWeight, NDArray downWeight) {
        this.intermediate = c.intermediateSize();
        this.gateUpWeightT = gateUpWeight.transpose();
        this.downWeight = downWeight;
    }

    NDArray forward(NDArray h, NDArray residual) {
        NDList gu = op(op(h.matMul(gateUpWeightT)).split(new long[] {intermediate}, 1));
        NDArray gate = gu.get(0);
        NDArray a = op(op(op(gate.getNDArrayInternal().sigmoid()).muli(gate)).muli(gu.get(1)));
        return LlamaModel.linear(a, downWeight, residual);
    }
}
