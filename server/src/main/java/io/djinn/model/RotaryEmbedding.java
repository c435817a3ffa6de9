package io.djinn.model;

import static io.djinn.model.Ops.op;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
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
 * {@code rotate_half(x) * sin == swap_halves(x) * sinSigned}. Both terms are linear in x, so for one position the
 * rotation is the matrix {@code M = I * cos + S * sinSigned} (S swaps the halves), and a step rotates q and k of all
 * its tokens and heads in one batched product with its tokens' matrices.
 */
final class RotaryEmbedding {
    private final int headDim;
    private final double[] invFreq;
    private final DataType dtype;
    /** [positions, 2, headDim]: cos and sinSigned of each position. */
    private NDArray table;
    /** [2, headDim, headDim]: the identity and the half swap. */
    private NDArray basis;
    private NDArray zero;
    private NDArray negInf;
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
        float[] t = new float[n * 2 * headDim];
        for (int p = 0; p < n; p++) {
            int c = p * 2 * headDim;
            int s = c + headDim;
            for (int i = 0; i < half; i++) {
                double a = p * invFreq[i];
                float cv = (float) Math.cos(a);
                float sv = (float) Math.sin(a);
                t[c + i] = cv;
                t[c + half + i] = cv;
                t[s + i] = -sv;
                t[s + half + i] = sv;
            }
        }
        if (table != null) {
            table.close();
        } else {
            // identity and "swap halves": rope(x) = x @ (I * cos + S * sinSigned), one matrix per position
            float[] b = new float[2 * headDim * headDim];
            for (int j = 0; j < headDim; j++) {
                b[j * headDim + j] = 1f;
                int partner = j < half ? j + half : j - half;
                b[headDim * headDim + partner * headDim + j] = 1f;
            }
            basis = owner.create(b, new Shape(2, headDim, headDim)).toType(dtype, false);
            zero = owner.create(0f).toType(dtype, false);
            negInf = owner.create(Float.NEGATIVE_INFINITY).toType(dtype, false);
        }
        table = owner.create(t, new Shape(n, 2, headDim)).toType(dtype, false);
        positions = n;
    }

    int positions() {
        return positions;
    }

    int headDim() {
        return headDim;
    }

    /** 0 and -inf in the model's dtype: what an additive attention mask is made of. */
    NDArray zero() {
        return zero;
    }

    NDArray negInf() {
        return negInf;
    }

    /**
     * The rotation of one step's tokens. Either one {@code [D, D]} matrix per token, so that rotating q and k of
     * every head is a single batched product ({@code x @ M}: 2 products per element, all the others are exact
     * zeros), or the tables of the elementwise form, which costs five more tensor calls per layer but less
     * arithmetic: worth it only for long prompt chunks on a CPU.
     */
    record At(NDArray matrices, NDArray cos, NDArray sinSigned, int half) {
        /** x: [T, heads, D] -> the same, rotated. */
        NDArray apply(NDArray x) {
            if (matrices != null) {
                return op(x.matMul(matrices));
            }
            Shape s = x.getShape();
            NDArray pairs = op(x.reshape(s.get(0), s.get(1), 2, half));                // [T, n, 2, D/2]
            NDArray swapped = op(pairs.flip(2));
            NDArray rotated = op(op(pairs.mul(cos)).addi(op(swapped.muli(sinSigned))));
            return op(rotated.reshape(s));
        }
    }

    /** positions: int64 [T] -> the rotation of T tokens, attached to {@code step}. */
    At at(NDManager step, NDArray positionIds, int tokens, boolean matrices) {
        NDArray t = op(table.get(step, new NDIndex("{}", positionIds)));                // [T, 2, D]
        if (matrices) {
            NDArray m = op(op(op(t.reshape(tokens, 2, 1, headDim)).mul(basis)).sum(new int[] {1}));
            return new At(m, null, null, headDim / 2);                                  // [T, D, D]
        }
        NDArray cs = op(t.reshape(tokens, 2, 1, 2, headDim / 2));                       // [T, cos|sin, 1, 2, D/2]
        NDList parts = op(cs.split(2, 1));
        return new At(null, op(parts.get(0).squeeze(1)), op(parts.get(1).squeeze(1)), headDim / 2);
    }
}
