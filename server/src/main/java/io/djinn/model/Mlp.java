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
    private final NDArray gateUpWeight;  // [hidden', 2I], pre-transposed
    private final NDArray downWeightT;   // [hidden', I]: a view of the stored [I, hidden'], for linear

    Mlp(ModelConfig c, NDArray gateUpWeight, NDArray downWeightT) {
        this.intermediate = c.intermediateSize();
        this.gateUpWeight = gateUpWeight;
        this.downWeightT = downWeightT;
    }

    NDArray forward(NDArray h, NDArray residual) {
        NDList gu = op(op(h.matMul(gateUpWeight)).split(new long[] {intermediate}, 1));
        NDArray gate = gu.get(0);
        NDArray a = op(op(op(gate.getNDArrayInternal().sigmoid()).muli(gate)).muli(gu.get(1)));
        return LlamaModel.linear(a, downWeightT, residual);
    }
}
