package io.djinn.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Picks the next token of every row of a batch in one pass on the device. First the {@link LogitsProcessor}
 * applies each sequence's bad words, min_tokens, logit bias and penalties; then greedy rows take the argmax and
 * sampled rows go through temperature, min_p, top-k and top-p (each cut renormalises what is left, as in vLLM)
 * and an inverse-CDF draw with a uniform number the caller supplies per row. The CDF is walked in descending
 * probability order for rows that use top-k or top-p (they need the sort), else in token-id order, which spares a
 * full-vocabulary sort per step; either way each token is drawn with its exact probability, and the choice is made
 * per row, so it never depends on the batch. Only the chosen ids, and the
 * logprobs a row asked for, come back to Java. Because each row's uniform comes from that sequence's own
 * generator and every edit is per row, a seeded request draws the same tokens whatever else shares the batch.
 *
 * <p><b>Logprobs</b> are vLLM's default "raw" logprobs: {@code log_softmax} of the model's logits before any
 * processing (no penalties, bias, temperature or truncation), so they describe what the model predicted, not the
 * distribution the token was drawn from. The chosen token's logprob is always reported, also when it is not among
 * the top alternatives.
 *
 * <p>Not thread-safe: used by the engine thread only.
 */
public final class Sampler {

    /** Top alternatives a row may ask for (OpenAI's top_logprobs bound). */
    public static final int MAX_LOGPROBS = 20;

    /**
     * One sequence's view for sampling. {@code output} may be longer than {@code outputLength} (a growing buffer);
     * the arrays are read, never kept or changed.
     */
    public record Row(SamplingParams params, int[] prompt, int[] output, int outputLength, TokenConstraint constraint,
            int remainingTokens) {
        public Row(SamplingParams params, int[] prompt, int[] output, int outputLength) {
            this(params, prompt, output, outputLength, null, Integer.MAX_VALUE);
        }
    }

    /** @param logprobs one entry per row, null where the row did not ask for logprobs */
    public record Result(int[] tokens, TokenLogprobs[] logprobs) {}

    private LogitsProcessor processor;

    /**
     * @param logits   float32 {@code [B, vocab]}; may be overwritten
     * @param rows     one entry per row
     * @param uniforms one number in [0, 1) per row (ignored for greedy rows)
     */
    public Result sample(NDManager scope, NDArray logits, List<Row> rows, float[] uniforms) {
        int batch = rows.size();
        int vocab = (int) logits.getShape().get(1);
        RawLogprobs raw = RawLogprobs.compute(scope, logits, rows);
        if (processor == null || processor.vocab() != vocab) {
            processor = new LogitsProcessor(vocab);
        }
        NDArray processed = constrain(scope, processor.apply(scope, logits, rows), rows);
        int[] out = new int[batch];
        long[] greedy = processed.argMax(1).toLongArray();
        int sampled = 0;
        for (int b = 0; b < batch; b++) {
            out[b] = (int) greedy[b];
            if (!rows.get(b).params().greedy()) {
                sampled++;
            }
        }
        if (sampled > 0) {
            draw(scope, processed, rows, uniforms, out);
        }
        return new Result(out, raw == null ? new TokenLogprobs[batch] : raw.finish(scope, out));
    }

    /**
     * Adds -inf to the logits of every token a row's {@link TokenConstraint} does not allow, after the logit edits
     * (a masked token stays -inf under any bias or penalty), before temperature and the cuts: every sampling
     * parameter then works within the allowed set.
     */
    private static NDArray constrain(NDManager scope, NDArray logits, List<Row> rows) {
        long[][] allowed = new long[rows.size()][];
        int constrained = 0;
        for (int b = 0; b < rows.size(); b++) {
            Row row = rows.get(b);
            if (row.constraint() != null) {
                // one token is kept back for EOS: a grammar that could go on after a complete document (a number, a
                // list of tool calls) must be complete before the last token, so that it can still stop with EOS
                allowed[b] = row.constraint().allowed(Math.max(1, row.remainingTokens() - 1));
                if (allowed[b] != null) {
                    constrained++;
                }
            }
        }
        if (constrained == 0) {
            return logits;
        }
        int vocab = (int) logits.getShape().get(1);
        float[] mask = new float[constrained * vocab];
        java.util.Arrays.fill(mask, Float.NEGATIVE_INFINITY);
        long[] which = new long[constrained];
        int c = 0;
        for (int b = 0; b < rows.size(); b++) {
            long[] words = allowed[b];
            if (words == null) {
                continue;
            }
            int base = c * vocab;
            for (int w = 0; w < words.length; w++) {
                long bits = words[w];
                while (bits != 0) {
                    int id = (w << 6) + Long.numberOfTrailingZeros(bits);
                    if (id >= vocab) {
                        break;
                    }
                    mask[base + id] = 0f;
                    bits &= bits - 1;
                }
            }
            which[c++] = b;
        }
        NDArray additive = scope.create(mask, new Shape(constrained, vocab));
        if (constrained == rows.size()) {
            return logits.add(additive);
        }
        NDIndex at = new NDIndex("{}", scope.create(which));
        logits.set(at, logits.get(scope, at).add(additive));
        return logits;
    }

    /**
     * Rows that cut by rank or mass (top-k, top-p) need the vocabulary sorted; the others walk their CDF in id
     * order, which spares the sort. The choice is per row, so a row's draw never depends on its batch.
     */
    private static void draw(NDManager scope, NDArray logits, List<Row> rows, float[] uniforms, int[] out) {
        int vocab = (int) logits.getShape().get(1);
        List<Integer> sorted = new java.util.ArrayList<>();
        List<Integer> unsorted = new java.util.ArrayList<>();
        for (int b = 0; b < rows.size(); b++) {
            SamplingParams p = rows.get(b).params();
            if (!p.greedy()) {
                (p.topP() < 1 || (p.topK() > 0 && p.topK() < vocab) ? sorted : unsorted).add(b);
            }
        }
        if (!sorted.isEmpty()) {
            drawSorted(scope, logits, rows, sorted, uniforms, out);
        }
        if (!unsorted.isEmpty()) {
            drawUnsorted(scope, logits, rows, unsorted, uniforms, out);
        }
    }

    /** Temperature, min_p, top-k and top-p on the rows' logits sorted in descending order, then the draw. */
    private static void drawSorted(NDManager scope, NDArray logits, List<Row> rows, List<Integer> which,
            float[] uniforms, int[] out) {
        int vocab = (int) logits.getShape().get(1);
        int sampled = which.size();
        long[] rowIds = new long[sampled];
        float[] temps = new float[sampled];
        float[] topKs = new float[sampled];
        float[] topPs = new float[sampled];
        float[] logMinPs = new float[sampled];
        float[] u = new float[sampled];
        int widest = 0;
        boolean anyMinP = false;
        for (int i = 0; i < sampled; i++) {
            int b = which.get(i);
            SamplingParams p = rows.get(b).params();
            rowIds[i] = b;
            temps[i] = (float) p.temperature();
            int rowK = p.topK() > 0 ? Math.min(p.topK(), vocab) : vocab;
            topKs[i] = rowK;
            topPs[i] = (float) p.topP();
            logMinPs[i] = logMinP(p);
            anyMinP |= p.minP() > 0;
            u[i] = uniform(uniforms[b]);
            widest = Math.max(widest, rowK);
        }
        int k = widest;
        NDArray scaled = scaledRows(scope, logits, rowIds, temps);
        // topK with k = vocab is a full descending sort; a small common k avoids sorting the whole vocabulary.
        NDList top = scaled.topK(k, 1, true, true);
        NDArray values = top.get(0);
        NDArray indices = top.get(1);
        NDArray probs = values.softmax(1);
        NDArray ranks = scope.arange(0f, (float) k, 1f).reshape(1, k);
        NDArray keep = ranks.lt(scope.create(topKs, new Shape(sampled, 1)));
        if (anyMinP) {
            NDArray floor = values.get(new NDIndex(":, :1")).add(scope.create(logMinPs, new Shape(sampled, 1)));
            keep = keep.logicalAnd(values.gte(floor));
        }
        probs = probs.mul(keep.toType(DataType.FLOAT32, false));
        probs = probs.div(probs.sum(new int[] {1}, true));
        // Nucleus: drop a token once the mass before it already reaches top_p; the first token always stays.
        NDArray before = probs.cumSum(1).sub(probs);
        NDArray inNucleus = before.lt(scope.create(topPs, new Shape(sampled, 1)));
        probs = probs.mul(inNucleus.toType(DataType.FLOAT32, false));
        NDArray position = inverseCdf(scope, probs, u);
        long[] chosen = indices.gather(position.reshape(sampled, 1), 1).toLongArray();
        for (int i = 0; i < sampled; i++) {
            out[(int) rowIds[i]] = (int) chosen[i];
        }
    }

    /** Temperature and min_p, then the draw walking ids in their natural order (no sort). */
    private static void drawUnsorted(NDManager scope, NDArray logits, List<Row> rows, List<Integer> which,
            float[] uniforms, int[] out) {
        int sampled = which.size();
        long[] rowIds = new long[sampled];
        float[] temps = new float[sampled];
        float[] logMinPs = new float[sampled];
        float[] u = new float[sampled];
        boolean anyMinP = false;
        for (int i = 0; i < sampled; i++) {
            int b = which.get(i);
            SamplingParams p = rows.get(b).params();
            rowIds[i] = b;
            temps[i] = (float) p.temperature();
            logMinPs[i] = logMinP(p);
            anyMinP |= p.minP() > 0;
            u[i] = uniform(uniforms[b]);
        }
        NDArray scaled = scaledRows(scope, logits, rowIds, temps);
        NDArray best = scaled.max(new int[] {1}, true);
        NDArray probs = scaled.sub(best).exp();
        if (anyMinP) {
            NDArray floor = best.add(scope.create(logMinPs, new Shape(sampled, 1)));
            probs = probs.mul(scaled.gte(floor).toType(DataType.FLOAT32, false));
        }
        long[] chosen = inverseCdf(scope, probs, u).toLongArray();
        for (int i = 0; i < sampled; i++) {
            out[(int) rowIds[i]] = (int) chosen[i];
        }
    }

    private static NDArray scaledRows(NDManager scope, NDArray logits, long[] rowIds, float[] temps) {
        boolean all = rowIds.length == logits.getShape().get(0);
        NDArray selected = all ? logits : logits.get(new NDIndex("{}", scope.create(rowIds)));
        return selected.div(scope.create(temps, new Shape(rowIds.length, 1)));
    }

    /** The first column where the row's cumulative mass exceeds u times its total (weights need no normalising). */
    private static NDArray inverseCdf(NDManager scope, NDArray weights, float[] u) {
        int rows = (int) weights.getShape().get(0);
        int width = (int) weights.getShape().get(1);
        NDArray cdf = weights.cumSum(1);
        NDArray total = cdf.get(new NDIndex(":, -1:"));
        NDArray target = scope.create(u, new Shape(rows, 1)).mul(total);
        return cdf.lte(target).toType(DataType.INT64, false).sum(new int[] {1}).clip(0, width - 1);
    }

    /** min_p keeps p >= min_p * p_max, i.e. a scaled logit within ln(min_p) of the best one. */
    private static float logMinP(SamplingParams p) {
        return p.minP() > 0 ? (float) Math.log(p.minP()) : Float.NEGATIVE_INFINITY;
    }

    /** Kept below 1 so that rounding can never push the draw past the last token with mass. */
    private static float uniform(float u) {
        return Math.min(u, 0.99999f);
    }

    /** The model's log_softmax for the rows that asked for logprobs, taken before the logits are edited. */
    private record RawLogprobs(long[] rowIds, int[] wanted, NDArray logprobs, long[] topIds, float[] topValues,
            int width) {

        static RawLogprobs compute(NDManager scope, NDArray logits, List<Row> rows) {
            int count = 0;
            int width = 0;
            for (Row row : rows) {
                if (row.params().logprobs() >= 0) {
                    count++;
                    width = Math.max(width, Math.min(row.params().logprobs(), MAX_LOGPROBS));
                }
            }
            if (count == 0) {
                return null;
            }
            long[] rowIds = new long[count];
            int[] wanted = new int[count];
            for (int b = 0, i = 0; b < rows.size(); b++) {
                int n = rows.get(b).params().logprobs();
                if (n >= 0) {
                    rowIds[i] = b;
                    wanted[i++] = Math.min(n, MAX_LOGPROBS);
                }
            }
            NDArray selected = count == rows.size() ? logits : logits.get(new NDIndex("{}", scope.create(rowIds)));
            // A copy, so the logits processor may edit the logits in place afterwards.
            NDArray logprobs = selected.logSoftmax(1);
            long[] topIds = new long[0];
            float[] topValues = new float[0];
            if (width > 0) {
                NDList top = logprobs.topK(width, 1, true, true);
                topValues = top.get(0).toFloatArray();
                topIds = top.get(1).toLongArray();
            }
            return new RawLogprobs(rowIds, wanted, logprobs, topIds, topValues, width);
        }

        TokenLogprobs[] finish(NDManager scope, int[] chosen) {
            TokenLogprobs[] result = new TokenLogprobs[chosen.length];
            long[] chosenIds = new long[rowIds.length];
            for (int i = 0; i < rowIds.length; i++) {
                chosenIds[i] = chosen[(int) rowIds[i]];
            }
            float[] chosenLogprobs = logprobs.gather(scope.create(chosenIds, new Shape(rowIds.length, 1)), 1)
                    .toFloatArray();
            for (int i = 0; i < rowIds.length; i++) {
                int n = wanted[i];
                int[] ids = new int[n];
                float[] values = new float[n];
                for (int j = 0; j < n; j++) {
                    ids[j] = (int) topIds[i * width + j];
                    values[j] = topValues[i * width + j];
                }
                result[(int) rowIds[i]] = new TokenLogprobs((int) chosenIds[i], chosenLogprobs[i], ids, values);
            }
            return result;
        }
    }
}
