package io.djinn.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding in the Hugging Face "rotate half" layout, with optional Llama 3 frequency scaling.
 *
 * <pre>
 *   inv_freq[i] = theta^(-2i / headDim),  i in [0, headDim/2)      (llama3: rescaled by wavelength band)
 *   cos[p] = cos(p * [inv_freq, inv_freq]),  sin[p] likewise         [positions, headDim]
 *   rope(x) = x * cos + rotate_half(x) * sin,  rotate_half(x) = [-x2, x1]
 * </pre>
 *
 * The tables are built once for a position range; {@code sinSigned = [-sin_half, sin_half]} so that
 * {@code rotate_half(x) * sin == swap_halves(x) * sinSigned}, and swap_halves is a single flip.
 */
final class RotaryEmbedding {
    private final int headDim;
    private final double[] invFreq;
    private final DataType dtype;
    private NDArray cos;        // [positions, headDim]
    private NDArray sinSigned;  // [positions, headDim]
    private int positions;

    RotaryEmbedding(ModelConfig c, DataType dtype) {
        this.headDim = c.headDim();
        this.dtype = dtype;
        this.invFreq = inverseFrequencies(c);
    }

    static double[] inverseFrequencies(ModelConfig c) {
        int half = c.headDim() / 2;
        double[] f = new double[half];
        for (int i = 0; i < half; i++) {
            f[i] = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / c.headDim());
        }
        ModelConfig.RopeScaling s = c.ropeScaling();
        if (s != null) {
            double lowWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
            double highWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
            for (int i = 0; i < half; i++) {
                double wavelen = 2 * Math.PI / f[i];
                if (wavelen > lowWavelen) {
                    f[i] = f[i] / s.factor();
                } else if (wavelen >= highWavelen) {
                    double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
                            / (s.highFreqFactor() - s.lowFreqFactor());
                    f[i] = (1 - smooth) * f[i] / s.factor() + smooth * f[i];
                }
            }
        }
        return f;
    }

    /** Makes sure the tables cover positions {@code [0, n)}; they live in {@code owner}. */
    void ensure(NDManager owner, int n) {
        if (n <= positions) {
            return;
        }
        int half = headDim / 2;
        float[] c = new float[n * headDim];
        float[] s = new float[n * headDim];
        for (int p = 0; p < n; p++) {
            for (int i = 0; i < half; i++) {
                double a = p * invFreq[i];
                float cv = (float) Math.cos(a);
                float sv = (float) Math.sin(a);
                c[p * headDim + i] = cv;
                c[p * headDim + half + i] = cv;
                s[p * headDim + i] = -sv;
                s[p * headDim + half + i] = sv;
            }
        }
        if (cos != null) {
            cos.close();
            sinSigned.close();
        }
        cos = owner.create(c, new Shape(n, headDim)).toType(dtype, false);
        sinSigned = owner.create(s, new Shape(n, headDim)).toType(dtype, false);
        positions = n;
    }

    int positions() {
        return positions;
    }

    /** The tables gathered for one step's positions, shaped to broadcast over heads. */
    record At(NDArray cos, NDArray sinSigned, long[] halves) {
        /** x: [B, L, heads, headDim] -> same shape, rotated. */
        NDArray apply(NDArray x) {
            Shape s = x.getShape();
            NDArray swapped = x.reshape(s.get(0), s.get(1), s.get(2), 2, halves[0]).flip(3).reshape(s);
            return x.mul(cos).addi(swapped.muli(sinSigned));
        }
    }

    /** positions: int64 [B * L] -> tables [B, L, 1, headDim] attached to {@code step}. */
    At at(NDManager step, NDArray positionIds, int batch, int len) {
        NDIndex idx = new NDIndex("{}", positionIds);
        NDArray c = cos.get(step, idx).reshape(batch, len, 1, headDim);
        NDArray s = sinSigned.get(step, idx).reshape(batch, len, 1, headDim);
        return new At(c, s, new long[] {headDim / 2});
    }
}
