package io.djinn.engine;

import static io.djinn.model.Ops.op;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.djinn.model.Ops;
import java.util.Arrays;
import java.util.List;

/**
 * Applies the per-sequence logit edits of vLLM, in vLLM's order, to a batch of logits on the device:
 * <ol>
 *   <li>bad words and min_tokens: banned ids become -inf;</li>
 *   <li>logit_bias: {@code l += bias[id]};</li>
 *   <li>repetition_penalty {@code r} on every id seen in prompt or output: {@code l > 0 ? l / r : l * r};</li>
 *   <li>frequency and presence penalties on ids generated so far:
 *       {@code l -= frequency * count(id) + presence * (count(id) > 0)}.</li>
 * </ol>
 * Every edit touches only the few (row, id) pairs a sequence names, so the work is sparse: the pairs and their
 * coefficients are gathered in Java and travel with the step's one upload, then one take, a handful of element-wise
 * ops and one in-place index put rewrite exactly those logits. Rows that need none of this cost nothing, and a batch where no row needs it issues no op at all.
 * Not thread-safe: one instance per engine thread (it reuses scratch arrays of vocabulary size).
 */
final class LogitsProcessor {

    private final int vocab;
    /** Per-id scratch for the row being gathered; reset after each row through {@code touched}. */
    private final float[] bias;
    private final float[] repetition;
    private final float[] penalty;
    private final boolean[] inRow;
    private final boolean[] generated;
    private final int[] touched;

    LogitsProcessor(int vocab) {
        this.vocab = vocab;
        this.bias = new float[vocab];
        this.repetition = new float[vocab];
        this.penalty = new float[vocab];
        this.inRow = new boolean[vocab];
        this.generated = new boolean[vocab];
        this.touched = new int[vocab];
        Arrays.fill(repetition, 1f);
    }

    int vocab() {
        return vocab;
    }

    /** Whether the sequence edits its logits at this step (so a batch of plain sequences skips all the work). */
    static boolean needed(Sampler.Row row) {
        SamplingParams p = row.params();
        return p.presencePenalty() != 0 || p.frequencyPenalty() != 0 || p.repetitionPenalty() != 1
                || !p.logitBias().isEmpty() || !p.badWords().isEmpty() || minTokensPending(row);
    }

    /**
     * A constrained row is left alone: its grammar decides when the document ends, and banning EOS in a state
     * where the grammar allows only EOS would leave nothing to sample.
     */
    private static boolean minTokensPending(Sampler.Row row) {
        SamplingParams p = row.params();
        return row.constraint() == null && row.outputLength() < p.minTokens() && (p.stopTokenIds().length > 0
                || (!p.ignoreEos() && p.eosTokenIds().length > 0));
    }

    /** The sparse edits of a batch, gathered on the host: logit {@code [rows[i], ids[i]]} gets edit i. */
    record Edits(int[] rows, int[] ids, float[] add, float[] factor, float[] subtract, boolean anyRepetition) {}

    /** Where a batch's edits sit in the step's {@link DeviceParams}. */
    record Placed(Edits edits, int rows, int ids, int add, int factor, int subtract) {}

    /**
     * Returns the logits with every row's edits applied ({@code logits} itself when no row has any): the standalone
     * form of {@link #gather}, {@link #place} and {@link #apply(NDArray, Placed, DeviceParams.Device)}.
     *
     * @param logits float32 {@code [B, vocab]}
     */
    NDArray apply(NDManager scope, NDArray logits, List<Sampler.Row> rows) {
        Edits edits = gather(rows);
        if (edits == null) {
            return logits;
        }
        DeviceParams params = new DeviceParams();
        Placed placed = place(edits, params);
        return apply(logits, placed, params.on(scope, Ops.upload(scope, params.toArray())));
    }

    /** The host side: every (row, id) pair the batch edits with its coefficients, or null when there is none. */
    Edits gather(List<Sampler.Row> rows) {
        int capacity = 0;
        for (Sampler.Row row : rows) {
            if (needed(row)) {
                capacity += Math.min(vocab, editBound(row));
            }
        }
        if (capacity == 0) {
            return null;
        }
        int[] rowIds = new int[capacity];
        int[] ids = new int[capacity];
        float[] add = new float[capacity];
        float[] factor = new float[capacity];
        float[] subtract = new float[capacity];
        int n = 0;
        boolean anyRepetition = false;
        for (int b = 0; b < rows.size(); b++) {
            Sampler.Row row = rows.get(b);
            if (!needed(row)) {
                continue;
            }
            int count = gather(row);
            for (int i = 0; i < count; i++) {
                int id = touched[i];
                rowIds[n] = b;
                ids[n] = id;
                add[n] = bias[id];
                factor[n] = repetition[id];
                subtract[n] = penalty[id];
                anyRepetition |= repetition[id] != 1f;
                n++;
                bias[id] = 0f;
                repetition[id] = 1f;
                penalty[id] = 0f;
                inRow[id] = false;
                generated[id] = false;
            }
        }
        if (n == 0) {
            return null;
        }
        return new Edits(Arrays.copyOf(rowIds, n), Arrays.copyOf(ids, n), Arrays.copyOf(add, n),
                Arrays.copyOf(factor, n), Arrays.copyOf(subtract, n), anyRepetition);
    }

    /** Puts the edits into the step's device parameters. */
    static Placed place(Edits e, DeviceParams params) {
        return new Placed(e, params.ints(e.rows()), params.ints(e.ids()), params.floats(e.add()),
                params.floats(e.factor()), params.floats(e.subtract()));
    }

    /** The device side: one take, a few element-wise ops and one in-place index put for the whole batch. */
    NDArray apply(NDArray logits, Placed p, DeviceParams.Device device) {
        NDArray flat = op(logits.reshape(-1));
        NDArray at = op(op(op(device.ints(p.rows())).mul(vocab)).add(device.ints(p.ids())));   // row * vocab + id
        NDArray values = op(op(flat.take(flat.getManager(), at)).add(device.floats(p.add())));
        if (p.edits().anyRepetition()) {
            NDArray r = device.floats(p.factor());
            values = op(NDArrays.where(op(values.gt(0f)), op(values.div(r)), op(values.mul(r))));
        }
        values = op(values.sub(device.floats(p.subtract())));
        // An in-place index put: NDArray.put would copy the whole batch of logits first.
        op();
        flat.set(new NDIndex("{}", at), values);
        return op(flat.reshape(logits.getShape()));
    }

    /** Upper bound of distinct ids one row edits (before capping at the vocabulary size). */
    private static long editBound(Sampler.Row row) {
        SamplingParams p = row.params();
        long bound = p.logitBias().size() + p.badWords().size() + p.eosTokenIds().length + p.stopTokenIds().length;
        if (p.presencePenalty() != 0 || p.frequencyPenalty() != 0 || p.repetitionPenalty() != 1) {
            bound += row.outputLength();
        }
        if (p.repetitionPenalty() != 1) {
            bound += row.prompt().length;
        }
        return bound;
    }

    /** Fills the scratch arrays for one row; returns how many ids it touched (listed in {@code touched}). */
    private int gather(Sampler.Row row) {
        SamplingParams p = row.params();
        int count = 0;
        if (minTokensPending(row)) {
            if (!p.ignoreEos()) {
                for (int id : p.eosTokenIds()) {
                    count = ban(id, count);
                }
            }
            for (int id : p.stopTokenIds()) {
                count = ban(id, count);
            }
        }
        for (int[] word : p.badWords()) {
            if (word.length > 0 && endsWith(row.output(), row.outputLength(), word, word.length - 1)) {
                count = ban(word[word.length - 1], count);
            }
        }
        for (var e : p.logitBias().entrySet()) {
            int id = e.getKey();
            if (id >= 0 && id < vocab) {
                count = touch(id, count);
                bias[id] += e.getValue();
            }
        }
        float presence = (float) p.presencePenalty();
        float frequency = (float) p.frequencyPenalty();
        float r = (float) p.repetitionPenalty();
        if (r != 1f) {
            for (int id : row.prompt()) {
                count = touch(id, count);
                repetition[id] = r;
            }
        }
        if (presence != 0f || frequency != 0f || r != 1f) {
            int[] out = row.output();
            for (int i = 0; i < row.outputLength(); i++) {
                int id = out[i];
                count = touch(id, count);
                repetition[id] = r;
                penalty[id] += frequency + (generated[id] ? 0f : presence);
                generated[id] = true;
            }
        }
        return count;
    }

    private int ban(int id, int count) {
        if (id < 0 || id >= vocab) {
            return count;
        }
        count = touch(id, count);
        bias[id] = Float.NEGATIVE_INFINITY;
        return count;
    }

    private int touch(int id, int count) {
        if (!inRow[id]) {
            inRow[id] = true;
            touched[count++] = id;
        }
        return count;
    }

    /** Whether the first {@code length} ids of {@code word} are the last ids of the output. */
    private static boolean endsWith(int[] output, int outputLength, int[] word, int length) {
        if (length > outputLength) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (output[outputLength - length + i] != word[i]) {
                return false;
            }
        }
        return true;
    }
}
