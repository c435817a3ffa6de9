package io.djinn.model;

import static io.djinn.model.Ops.op;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * RMSNorm over the last axis: {@code y = x / sqrt(mean(x^2) + eps) * weight}, with the statistics taken in float32
 * for 16-bit runtimes, as Hugging Face does. Only Qwen3's per-head q/k norm uses it: the norms of the residual stream
 * are one normalization each (see {@link DecoderLayer#normalize}).
 */
final class RmsNorm {
    private static final int[] LAST = {-1};
    /** [dim], or [rows, dim] when one norm serves several heads with different weights (Qwen3 q/k norm). */
    private final NDArray weight;
    private final float eps;
    private final boolean upcast;

    RmsNorm(NDArray weight, double eps) {
        this.weight = weight;
        this.eps = (float) eps;
        this.upcast = weight.getDataType() != DataType.FLOAT32;
    }

    NDArray weight() {
        return weight;
    }

    /** x: [..., dim] -> [..., dim]. */
    NDArray forward(NDArray x) {
        NDArray xf = upcast ? op(x.toType(DataType.FLOAT32, false)) : x;
        NDArray invRms = op(op(op(op(xf.mul(xf)).mean(LAST, true)).addi(eps)).powi(-0.5)); // [..., 1]
        NDArray y = op(xf.mul(invRms));
        if (upcast) {
            y = op(y.toType(weight.getDataType(), false));
        }
        return op(y.muli(weight));
    }
}
