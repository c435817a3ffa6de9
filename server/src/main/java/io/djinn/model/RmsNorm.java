package io.djinn.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * RMSNorm over the last axis: {@code y = x / sqrt(mean(x^2) + eps) * weight}. In float16 the statistics are taken
 * in float32, as Hugging Face does.
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
        this.upcast = weight.getDataType() == DataType.FLOAT16;
    }

    NDArray weight() {
        return weight;
    }

    /** x: [..., dim] -> [..., dim]. */
    NDArray forward(NDArray x) {
        NDArray xf = upcast ? x.toType(DataType.FLOAT32, false) : x;
        NDArray invRms = xf.mul(xf).mean(LAST, true).addi(eps).powi(-0.5); // [..., 1]
        NDArray y = xf.mul(invRms);
        if (upcast) {
            y = y.toType(DataType.FLOAT16, false);
        }
        return y.muli(weight);
    }
}
