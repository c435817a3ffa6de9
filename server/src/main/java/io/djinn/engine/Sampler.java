package io.djinn.engine;

import static io.djinn.model.Ops.op;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.djinn.model.Ops;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Picks the next token of every row of a batch in one pass on the device. First the {@link LogitsProcessor}
 * applies each sequence's bad words, min_tokens, logit bias and penalties; then greedy rows take the argmax and
 * sampled rows go through temperature, min_p, top-k and top-p (each cut renormalises what is left, as in vLLM)
 * and an inverse-CDF draw with a uniform number the caller supplies per row. The CDF is walked in descending
 * probability order for rows that use top-k or top-p (they need the sort), else in token-id order, which spares a
 * full-vocabulary sort per step; either way each token is drawn with its exact probability, and the choice is made
 * per row, so it never depends on the batch. The rows' parameters travel with the step's one host-to-device copy
 * (see {@link Prepared}), and the chosen ids, with the logprobs a row asked for, come back in one device-to-host
 * copy: a greedy step costs two tensor calls, an argmax and that copy. Because each row's uniform comes from that sequence's own
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
     * A batch's sampling worked out on the host before the step runs: which rows are drawn how, with their
     * parameters placed in the step's {@link DeviceParams}, so that they reach the device in the step's one upload.
     */
    public final class Prepared {
        private final List<Row> rows;
        private final int vocab;
        private final DeviceParams params = new DeviceParams();
        private final LogitsProcessor.Placed edits;
        private final Constraint constraint;
        private final Draw sorted;
        private final Draw unsorted;
        private final Logprobs logprobs;

        private Prepared(List<Row> rows, float[] uniforms, int vocab) {
            this.rows = rows;
            this.vocab = vocab;
            if (processor == null || processor.vocab() != vocab) {
                processor = new LogitsProcessor(vocab);
            }
            LogitsProcessor.Edits e = processor.gather(rows);
            edits = e == null ? null : LogitsProcessor.place(e, params);
            constraint = Constraint.of(rows, vocab, params);
            List<Integer> bySort = new ArrayList<>();
            List<Integer> byId = new ArrayList<>();
            for (int b = 0; b < rows.size(); b++) {
                SamplingParams p = rows.get(b).params();
                if (!p.greedy()) {
                    (p.topP() < 1 || (p.topK() > 0 && p.topK() < vocab) ? bySort : byId).add(b);
                }
            }
            sorted = Draw.of(bySort, rows, uniforms, vocab, true, params);
            unsorted = Draw.of(byId, rows, uniforms, vocab, false, params);
            logprobs = Logprobs.of(rows, params);
        }

        /** The floats to upload with the step (possibly none). */
        public float[] deviceParams() {
            return params.toArray();
        }
    }

    /** Works out the batch's sampling on the host; {@code uniforms} holds one number in [0, 1) per row. */
    public Prepared prepare(List<Row> rows, float[] uniforms, int vocab) {
        return new Prepared(rows, uniforms, vocab);
    }

    /**
     * @param logits   float32 {@code [B, vocab]}; may be overwritten
     * @param rows     one entry per row
     * @param uniforms one number in [0, 1) per row (ignored for greedy rows)
     */
    public Result sample(NDManager scope, NDArray logits, List<Row> rows, float[] uniforms) {
        Prepared p = prepare(rows, uniforms, (int) logits.getShape().get(1));
        float[] host = p.deviceParams();
        return sample(scope, logits, p, host.length == 0 ? null : Ops.upload(scope, host));
    }

    /**
     * Samples on the device and brings back, in one device-to-host copy, the chosen ids and (only when a row asked)
     * the logprobs.
     *
     * @param logits       float32 {@code [B, vocab]}; may be overwritten
     * @param deviceParams the device copy of {@link Prepared#deviceParams()} (null when that is empty)
     */
    public Result sample(NDManager scope, NDArray logits, Prepared p, NDArray deviceParams) {
        int batch = p.rows.size();
        DeviceParams.Device device = deviceParams == null ? null : p.params.on(scope, deviceParams);
        // raw logprobs first: log_softmax makes a copy, so the edits below may work in place
        NDArray logprobs = p.logprobs == null ? null : p.logprobs.logSoftmax(logits, device);
        NDArray processed = p.edits == null ? logits : processor.apply(logits, p.edits, device);
        if (p.constraint != null) {
            processed = p.constraint.apply(processed, device);
        }
        NDArray chosen = op(processed.argMax(1));                                           // [B] int64
        if (p.sorted != null) {
            p.sorted.draw(scope, processed, chosen, device);
        }
        if (p.unsorted != null) {
            p.unsorted.draw(scope, processed, chosen, device);
        }
        int[] out = new int[batch];
        if (logprobs == null) {
            long[] ids = Ops.downloadLongs(chosen);
            for (int b = 0; b < batch; b++) {
                out[b] = (int) ids[b];
            }
            return new Result(out, new TokenLogprobs[batch]);
        }
        float[] packed = Ops.downloadFloats(p.logprobs.pack(chosen, logprobs, device));
        for (int b = 0; b < batch; b++) {
            out[b] = (int) packed[b];
        }
        return new Result(out, p.logprobs.finish(packed, batch));
    }

    /**
     * Adds -inf to the logits of every token a row's {@link TokenConstraint} does not allow, after the logit edits
     * (a masked token stays -inf under any bias or penalty), before temperature and the cuts: every sampling
     * parameter then works within the allowed set.
     */
    private record Constraint(int rows, int which, int mask, boolean all) {

        static Constraint of(List<Row> rows, int vocab, DeviceParams params) {
            long[][] allowed = new long[rows.size()][];
            int constrained = 0;
            for (int b = 0; b < rows.size(); b++) {
                Row row = rows.get(b);
                if (row.constraint() != null) {
                    // one token is kept back for EOS: a grammar that could go on after a complete document (a
                    // number, a list of tool calls) must be complete before the last token, so that it can still
                    // stop with EOS
                    allowed[b] = row.constraint().allowed(Math.max(1, row.remainingTokens() - 1));
                    if (allowed[b] != null) {
                        constrained++;
                    }
                }
            }
            if (constrained == 0) {
                return null;
            }
            float[] mask = new float[constrained * vocab];
            Arrays.fill(mask, Float.NEGATIVE_INFINITY);
            int[] which = new int[constrained];
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
            return new Constraint(constrained, params.ints(which), params.floats(mask), constrained == rows.size());
        }

        NDArray apply(NDArray logits, DeviceParams.Device device) {
            int vocab = (int) logits.getShape().get(1);
            NDArray additive = op(device.floats(mask).reshape(rows, vocab));
            if (all) {
                return op(logits.add(additive));
            }
            NDIndex at = new NDIndex("{}", device.ints(which));
            NDArray edited = op(op(logits.get(logits.getManager(), at)).add(additive));
            op();
            logits.set(at, edited);
            return logits;
        }
    }

    /**
     * The sampled rows of one kind. Rows that cut by rank or mass (top-k, top-p) need the vocabulary sorted; the
     * others walk their CDF in id order, which spares the sort. The choice is per row, so a row's draw never
     * depends on its batch.
     */
    private record Draw(boolean sorted, int count, int widest, boolean anyMinP, int rowIds, int temps, int topKs,
            int topPs, int logMinPs, int uniforms) {

        static Draw of(List<Integer> which, List<Row> rows, float[] uniforms, int vocab, boolean sorted,
                DeviceParams params) {
            int n = which.size();
            if (n == 0) {
                return null;
            }
            int[] rowIds = new int[n];
            float[] temps = new float[n];
            float[] topKs = new float[n];
            float[] topPs = new float[n];
            float[] logMinPs = new float[n];
            float[] u = new float[n];
            int widest = 0;
            boolean anyMinP = false;
            for (int i = 0; i < n; i++) {
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
            return new Draw(sorted, n, widest, anyMinP, params.ints(rowIds), params.floats(temps),
                    sorted ? params.floats(topKs) : -1, sorted ? params.floats(topPs) : -1, params.floats(logMinPs),
                    params.floats(u));
        }

        /** Draws the rows' tokens and writes them into {@code chosen} (int64 [B]). */
        void draw(NDManager scope, NDArray logits, NDArray chosen, DeviceParams.Device device) {
            NDArray ids = device.ints(rowIds);
            NDArray scaled = scaledRows(logits, ids, op(device.floats(temps).reshape(count, 1)), count);
            NDArray u = device.floats(uniforms);
            NDArray logMinP = anyMinP ? op(device.floats(logMinPs).reshape(count, 1)) : null;
            NDArray picked;
            if (sorted) {
                // topK with k = vocab is a full descending sort; a small common k avoids sorting the whole vocabulary
                NDList top = op(scaled.topK(widest, 1, true, true));
                NDArray values = top.get(0);
                NDArray indices = top.get(1);
                NDArray probs = op(values.softmax(1));
                NDArray ranks = op(op(scope.arange(0f, (float) widest, 1f)).reshape(1, widest));
                NDArray keep = op(ranks.lt(op(device.floats(topKs).reshape(count, 1))));
                if (logMinP != null) {
                    NDArray floor = op(op(values.get(new NDIndex(":, :1"))).add(logMinP));
                    keep = op(keep.logicalAnd(op(values.gte(floor))));
                }
                probs = op(probs.mul(op(keep.toType(DataType.FLOAT32, false))));
                probs = op(probs.div(op(probs.sum(new int[] {1}, true))));
                // Nucleus: drop a token once the mass before it already reaches top_p; the first token always stays.
                NDArray before = op(op(probs.cumSum(1)).sub(probs));
                NDArray inNucleus = op(before.lt(op(device.floats(topPs).reshape(count, 1))));
                probs = op(probs.mul(op(inNucleus.toType(DataType.FLOAT32, false))));
                NDArray position = inverseCdf(probs, u, count);
                picked = op(op(indices.gather(op(position.reshape(count, 1)), 1)).reshape(count));
            } else {
                NDArray best = op(scaled.max(new int[] {1}, true));
                NDArray probs = op(op(scaled.sub(best)).exp());
                if (logMinP != null) {
                    NDArray floor = op(best.add(logMinP));
                    probs = op(probs.mul(op(op(scaled.gte(floor)).toType(DataType.FLOAT32, false))));
                }
                picked = inverseCdf(probs, u, count);
            }
            op();
            chosen.set(new NDIndex("{}", ids), picked);
        }
    }

    private static NDArray scaledRows(NDArray logits, NDArray rowIds, NDArray temps, int count) {
        boolean all = count == logits.getShape().get(0);
        NDArray selected = all ? logits : op(logits.get(logits.getManager(), new NDIndex("{}", rowIds)));
        return op(selected.div(temps));
    }

    /** The first column where the row's cumulative mass exceeds u times its total (weights need no normalising). */
    private static NDArray inverseCdf(NDArray weights, NDArray u, int rows) {
        int width = (int) weights.getShape().get(1);
        NDArray cdf = op(weights.cumSum(1));
        NDArray total = op(cdf.get(new NDIndex(":, -1:")));
        NDArray target = op(op(u.reshape(rows, 1)).mul(total));
        return op(op(op(op(cdf.lte(target)).toType(DataType.INT64, false)).sum(new int[] {1})).clip(0, width - 1));
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
    private record Logprobs(int count, boolean all, int rowIdsHandle, int[] rowIds, int[] wanted, int width) {

        static Logprobs of(List<Row> rows, DeviceParams params) {
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
            int[] rowIds = new int[count];
            int[] wanted = new int[count];
            for (int b = 0, i = 0; b < rows.size(); b++) {
                int n = rows.get(b).params().logprobs();
                if (n >= 0) {
                    rowIds[i] = b;
                    wanted[i++] = Math.min(n, MAX_LOGPROBS);
                }
            }
            boolean all = count == rows.size();
            return new Logprobs(count, all, all ? -1 : params.ints(rowIds), rowIds, wanted, width);
        }

        /** A copy, so the logits processor may edit the logits in place afterwards. */
        NDArray logSoftmax(NDArray logits, DeviceParams.Device device) {
            NDArray selected = all ? logits
                    : op(logits.get(logits.getManager(), new NDIndex("{}", device.ints(rowIdsHandle))));
            return op(selected.logSoftmax(1));
        }

        /** float32 [B + n + 2 n width]: every chosen id, then each row's chosen logprob, top values, top ids. */
        NDArray pack(NDArray chosen, NDArray logprobs, DeviceParams.Device device) {
            NDArray mine = all ? chosen : op(chosen.get(chosen.getManager(), new NDIndex("{}",
                    device.ints(rowIdsHandle))));
            NDList parts = new NDList(op(chosen.toType(DataType.FLOAT32, false)),
                    op(op(logprobs.gather(op(mine.reshape(count, 1)), 1)).reshape(count)));
            if (width > 0) {
                NDList top = op(logprobs.topK(width, 1, true, true));
                parts.add(op(top.get(0).reshape(-1)));
                parts.add(op(op(top.get(1).toType(DataType.FLOAT32, false)).reshape(-1)));
            }
            return op(NDArrays.concat(parts, 0));
        }

        TokenLogprobs[] finish(float[] packed, int batch) {
            TokenLogprobs[] result = new TokenLogprobs[batch];
            int chosenAt = batch;
            int valuesAt = chosenAt + count;
            int idsAt = valuesAt + count * width;
            for (int i = 0; i < count; i++) {
                int n = wanted[i];
                int[] ids = new int[n];
                float[] values = new float[n];
                for (int j = 0; j < n; j++) {
                    ids[j] = (int) packed[idsAt + i * width + j];
                    values[j] = packed[valuesAt + i * width + j];
                }
                int row = rowIds[i];
                result[row] = new TokenLogprobs((int) packed[row], packed[chosenAt + i], ids, values);
            }
            return result;
        }
    }
}
