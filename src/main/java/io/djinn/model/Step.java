package io.djinn.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Everything one forward call shares across layers, built once: the padded token grid {@code [B, L]}, rotary tables
 * for each row's positions, the attention mask, and the cache indices to write and read.
 */
final class Step {
    final NDManager manager;
    final int batch;
    final int len;
    /** Keys attended per row: positions {@code [0, span)} of each row's slot; span = max(start + length). */
    final int span;
    final int[] lengths;
    final boolean ragged;
    final NDArray tokenIds;           // int64 [B * L]
    final RotaryEmbedding.At rope;    // [B, L, 1, headDim]
    final NDArray mask;               // float32 [B, 1, 1, L, span], 0 or -inf
    final boolean single;
    /** Where the fed keys/values go: cache[slot, :, start:start+L, :] for one row, else cache[slot, :, position, :]. */
    final NDIndex cacheWrite;
    /** Rows of the flattened [B * L] grid that hold real tokens, when rows are ragged. */
    final NDIndex validRows;
    /**
     * Maximal runs of rows whose slots are consecutive. Each run reads its slots' keys and values as one slice
     * {@code cache[firstSlot:firstSlot+rows, :, 0:span, :]}: no gather copy of the cache, which for 16 scattered
     * decode rows cost more than all of the step's matmuls.
     */
    final Run[] runs;

    /** Rows {@code [firstRow, firstRow + rows)} of the batch, in slots {@code [firstSlot, firstSlot + rows)}. */
    record Run(int firstRow, int rows, NDIndex batchRows, NDIndex cacheRead) {}

    Step(NDManager manager, RotaryEmbedding rotary, int slidingWindow, int[] slots, int[][] tokens,
            int[] starts) {
        this.manager = manager;
        batch = tokens.length;
        lengths = new int[batch];
        int maxLen = 0;
        int maxEnd = 0;
        int total = 0;
        for (int b = 0; b < batch; b++) {
            lengths[b] = tokens[b].length;
            maxLen = Math.max(maxLen, lengths[b]);
            maxEnd = Math.max(maxEnd, starts[b] + lengths[b]);
            total += lengths[b];
        }
        len = maxLen;
        span = maxEnd;
        ragged = total != batch * len;

        long[] ids = new long[batch * len];
        long[] pos = new long[batch * len];
        long[] writeSlot = new long[total];
        long[] writePos = new long[total];
        long[] valid = new long[total];
        float[] m = new float[batch * len * span];
        java.util.Arrays.fill(m, Float.NEGATIVE_INFINITY);
        int n = 0;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < len; i++) {
                int row = b * len + i;
                int base = row * span;
                if (i < lengths[b]) {
                    int p = starts[b] + i;
                    ids[row] = tokens[b][i];
                    pos[row] = p;
                    writeSlot[n] = slots[b];
                    writePos[n] = p;
                    valid[n++] = row;
                    int from = slidingWindow > 0 ? Math.max(0, p - slidingWindow + 1) : 0;
                    java.util.Arrays.fill(m, base + from, base + p + 1, 0f);
                } else {
                    // padding: a harmless query at the row's last position that sees key 0 only
                    pos[row] = starts[b] + lengths[b] - 1;
                    m[base] = 0f;
                }
            }
        }
        tokenIds = manager.create(ids);
        rope = rotary.at(manager, manager.create(pos), batch, len);
        mask = manager.create(m, new Shape(batch, 1, 1, len, span));
        // one row: a plain slice write (much cheaper than an advanced-index put); else one put for all tokens
        single = batch == 1;
        cacheWrite = single
                ? new NDIndex().addSliceDim(slots[0], slots[0] + 1).addAllDim().addSliceDim(starts[0], starts[0] + len)
                : new NDIndex("{}, :, {}", manager.create(writeSlot), manager.create(writePos));
        validRows = ragged ? new NDIndex("{}", manager.create(valid)) : null;
        java.util.List<Run> found = new java.util.ArrayList<>();
        int first = 0;
        for (int b = 1; b <= batch; b++) {
            if (b == batch || slots[b] != slots[b - 1] + 1) {
                int rows = b - first;
                found.add(new Run(first, rows, new NDIndex().addSliceDim(first, b),
                        new NDIndex().addSliceDim(slots[first], slots[first] + rows).addAllDim().addSliceDim(0, span)));
                first = b;
            }
        }
        runs = found.toArray(new Run[0]);
    }
}
