package io.djinn.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Picks the next token of every row of a batch in one pass on the device: greedy rows by argmax, sampled rows by
 * temperature, top-k and top-p, then an inverse-CDF draw with a uniform number the caller supplies per row. Only
 * the chosen ids come back to Java. Because each row's uniform comes from that sequence's own generator, a seeded
 * request draws the same tokens whatever else shares the batch.
 */
public final class Sampler {

    /**
     * @param logits   float32 {@code [B, vocab]}
     * @param params   one entry per row
     * @param uniforms one number in [0, 1) per row (ignored for greedy rows)
     */
    public int[] sample(NDManager scope, NDArray logits, List<SamplingParams> params, float[] uniforms) {
        int rows = params.size();
        int vocab = (int) logits.getShape().get(1);
        int[] out = new int[rows];
        long[] greedy = logits.argMax(1).toLongArray();
        int sampled = 0;
        for (int b = 0; b < rows; b++) {
            out[b] = (int) greedy[b];
            if (!params.get(b).greedy()) {
                sampled++;
            }
        }
        if (sampled == 0) {
            return out;
        }
        long[] rowIds = new long[sampled];
        float[] temps = new float[sampled];
        float[] topKs = new float[sampled];
        float[] topPs = new float[sampled];
        float[] u = new float[sampled];
        int widest = 0;
        for (int b = 0, i = 0; b < rows; b++) {
            SamplingParams p = params.get(b);
            if (p.greedy()) {
                continue;
            }
            rowIds[i] = b;
            temps[i] = (float) p.temperature();
            int rowK = p.topK() > 0 ? Math.min(p.topK(), vocab) : vocab;
            topKs[i] = rowK;
            topPs[i] = (float) p.topP();
            // Kept below 1 so that rounding can never push the draw past the last token with mass.
            u[i] = Math.min(uniforms[b], 0.99999f);
            widest = Math.max(widest, rowK);
            i++;
        }
        int k = widest;
        NDArray rowsLogits = sampled == rows ? logits : logits.get(new NDIndex("{}", scope.create(rowIds)));
        NDArray scaled = rowsLogits.div(scope.create(temps, new Shape(sampled, 1)));
        // topK with k = vocab is a full descending sort; a small common k avoids sorting the whole vocabulary.
        NDList top = scaled.topK(k, 1, true, true);
        NDArray values = top.get(0);
        NDArray indices = top.get(1);
        NDArray probs = values.softmax(1);
        NDArray ranks = scope.arange(0f, (float) k, 1f).reshape(1, k);
        NDArray keep = ranks.lt(scope.create(topKs, new Shape(sampled, 1)));
        probs = probs.mul(keep.toType(DataType.FLOAT32, false));
        // Nucleus: drop a token once the mass before it already reaches top_p; the first token always stays.
        NDArray before = probs.cumSum(1).sub(probs);
        NDArray inNucleus = before.lt(scope.create(topPs, new Shape(sampled, 1)));
        probs = probs.mul(inNucleus.toType(DataType.FLOAT32, false));
        NDArray cdf = probs.cumSum(1);
        NDArray total = cdf.get(new NDIndex(":, -1:"));
        NDArray target = scope.create(u, new Shape(sampled, 1)).mul(total);
        NDArray position = cdf.lte(target).toType(DataType.INT64, false).sum(new int[] {1}).clip(0, k - 1);
        long[] chosen = indices.gather(position.reshape(sampled, 1), 1).toLongArray();
        for (int i = 0; i < sampled; i++) {
            out[(int) rowIds[i]] = (int) chosen[i];
        }
        return out;
    }
}
