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

    /**
     * Set when rows of different lengths are packed instead of padded: the grid is then {@code [1, T]} holding only
     * the T real tokens, row after row, so a 32-token prompt chunk next to 16 decode rows costs 48 token-rows of
     * matmuls, not 16 x 32. Only attention looks at rows; it runs per {@link Segment}.
     */
    final Segment[] segments;
    /** Offset of each row's first token in the packed grid (packed steps only). */
    final int[] offsets;

    /**
     * Packed rows {@code [firstRow, firstRow + rows)} whose tokens are {@code [firstToken, firstToken + tokens)} of
     * the grid: either a run of one-token (decode) rows attending as a batch of queries of length 1 through
     * {@code runs}, or a single longer row attending causally to its own slot.
     *
     * @param mask   {@code [rows, 1, 1, L, span]} with L = 1 for decode rows; {@code [width, 1, 1, 1, span]} when
     *               spread
     * @param spread when set, the decode rows' slots have holes but attend as one run over the whole slot range
     *               {@code width} wide: queries are gathered into slot order with this index (a hole repeats some
     *               row's query, its output is dropped), and {@link #gather} takes each row's output back
     */
    record Segment(int firstRow, int rows, int firstToken, int tokens, int span, NDArray mask, Run[] runs,
            NDIndex spread, NDIndex gather) {
        boolean decode() {
            return tokens == rows;
        }
    }

    /**
     * Reading the keys and values of a hole costs about as much as attending for a real row, while every extra run
     * costs a dozen small tensor calls per layer (about 0.25 ms each on the project's CPU, as much as attending over
     * some thousand cached positions). So decode rows spread over holes attend as one run while the holes' cached
     * positions stay below this many per saved run.
     */
    private static final int POSITIONS_PER_RUN = 1024;

    Step(NDManager manager, RotaryEmbedding rotary, int slidingWindow, int[] slots, int[][] tokens,
            int[] starts, boolean allPositions) {
        this.manager = manager;
        int rowCount = tokens.length;
        int longest = 0;
        int sum = 0;
        for (int[] t : tokens) {
            longest = Math.max(longest, t.length);
            sum += t.length;
        }
        // decode-only steps pack too: their segment attends as one run even when the slots have holes
        if (!allPositions && rowCount > 1 && (sum != rowCount * longest || longest == 1)) {
            // packed: one row of T tokens as far as the position-wise layers are concerned
            batch = rowCount;
            len = sum;
            lengths = new int[rowCount];
            offsets = new int[rowCount];
            long[] ids = new long[sum];
            long[] pos = new long[sum];
            long[] writeSlot = new long[sum];
            long[] writePos = new long[sum];
            int n = 0;
            int maxEnd = 0;
            for (int b = 0; b < rowCount; b++) {
                lengths[b] = tokens[b].length;
                offsets[b] = n;
                maxEnd = Math.max(maxEnd, starts[b] + lengths[b]);
                for (int i = 0; i < lengths[b]; i++, n++) {
                    ids[n] = tokens[b][i];
                    pos[n] = starts[b] + i;
                    writeSlot[n] = slots[b];
                    writePos[n] = starts[b] + i;
                }
            }
            span = maxEnd;
            ragged = false;
            single = false;
            tokenIds = manager.create(ids);
            rope = rotary.at(manager, manager.create(pos), 1, sum);
            mask = null;
            validRows = null;
            runs = null;
            cacheWrite = new NDIndex("{}, :, {}", manager.create(writeSlot), manager.create(writePos));
            segments = segments(slidingWindow, slots, starts);
            return;
        }
        segments = null;
        offsets = null;
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

    /** The grid packs a row's tokens together, segments for attention (see {@link #segments}). */
    boolean packed() {
        return segments != null;
    }

    private Segment[] segments(int slidingWindow, int[] slots, int[] starts) {
        java.util.List<Segment> out = new java.util.ArrayList<>();
        int b = 0;
        while (b < batch) {
            if (lengths[b] > 1) {
                int l = lengths[b];
                int end = starts[b] + l;
                float[] m = new float[l * end];
                java.util.Arrays.fill(m, Float.NEGATIVE_INFINITY);
                for (int i = 0; i < l; i++) {
                    int p = starts[b] + i;
                    int from = slidingWindow > 0 ? Math.max(0, p - slidingWindow + 1) : 0;
                    java.util.Arrays.fill(m, i * end + from, i * end + p + 1, 0f);
                }
                Run run = new Run(0, 1, new NDIndex().addSliceDim(0, 1),
                        new NDIndex().addSliceDim(slots[b], slots[b] + 1).addAllDim().addSliceDim(0, end));
                out.add(new Segment(b, 1, offsets[b], l, end, manager.create(m, new Shape(1, 1, 1, l, end)),
                        new Run[] {run}, null, null));
                b++;
                continue;
            }
            int first = b;
            while (b < batch && lengths[b] == 1) {
                b++;
            }
            int rows = b - first;
            int end = 0;
            for (int r = first; r < b; r++) {
                end = Math.max(end, starts[r] + 1);
            }
            java.util.List<Run> runList = new java.util.ArrayList<>();
            int runStart = first;
            for (int r = first; r < b; r++) {
                if (r + 1 == b || slots[r + 1] != slots[r] + 1) {
                    int n = r + 1 - runStart;
                    runList.add(new Run(runStart - first, n, new NDIndex().addSliceDim(runStart - first, r + 1 - first),
                            new NDIndex().addSliceDim(slots[runStart], slots[runStart] + n).addAllDim()
                                    .addSliceDim(0, end)));
                    runStart = r + 1;
                }
            }
            int lo = slots[first];
            int width = slots[b - 1] - lo + 1;
            boolean ascending = true;
            for (int r = first + 1; r < b; r++) {
                ascending &= slots[r] > slots[r - 1];
            }
            if (runList.size() > 1 && ascending
                    && (long) (width - rows) * end <= (long) (runList.size() - 1) * POSITIONS_PER_RUN) {
                out.add(spreadSegment(first, rows, end, slots, starts, slidingWindow, lo, width));
                continue;
            }
            int[] place = new int[rows];
            java.util.Arrays.setAll(place, r -> r);
            out.add(new Segment(first, rows, offsets[first], rows, end,
                    decodeMask(first, place, rows, end, starts, slidingWindow), runList.toArray(new Run[0]), null,
                    null));
        }
        return out.toArray(new Segment[0]);
    }

    /** Decode rows {@code [first, first + rows)} in ascending slots {@code [lo, lo + width)}, holes included. */
    private Segment spreadSegment(int first, int rows, int end, int[] slots, int[] starts, int slidingWindow, int lo,
            int width) {
        long[] spread = new long[width];   // slot offset -> the segment row whose query it takes (holes: row 0)
        long[] gather = new long[rows];    // segment row -> its slot offset
        int[] place = new int[rows];
        for (int r = 0; r < rows; r++) {
            place[r] = slots[first + r] - lo;
            spread[place[r]] = r;
            gather[r] = place[r];
        }
        Run run = new Run(0, width, new NDIndex().addSliceDim(0, width),
                new NDIndex().addSliceDim(lo, lo + width).addAllDim().addSliceDim(0, end));
        return new Segment(first, rows, offsets[first], rows, end,
                decodeMask(first, place, width, end, starts, slidingWindow), new Run[] {run},
                new NDIndex("{}", manager.create(spread)), new NDIndex("{}", manager.create(gather)));
    }

    /**
     * {@code [width, 1, 1, 1, end]}: the segment's row r, at {@code place[r]}, sees its (sliding) window up to its
     * position; a place no row takes (a hole) sees position 0 only, so that its softmax stays finite; its output is
     * dropped.
     */
    private NDArray decodeMask(int first, int[] place, int width, int end, int[] starts, int slidingWindow) {
        float[] m = new float[width * end];
        java.util.Arrays.fill(m, Float.NEGATIVE_INFINITY);
        boolean[] taken = new boolean[width];
        for (int r = 0; r < place.length; r++) {
            int p = starts[first + r];
            int from = slidingWindow > 0 ? Math.max(0, p - slidingWindow + 1) : 0;
            java.util.Arrays.fill(m, place[r] * end + from, place[r] * end + p + 1, 0f);
            taken[place[r]] = true;
        }
        for (int w = 0; w < width; w++) {
            if (!taken[w]) {
                m[w * end] = 0f;
            }
        }
        return manager.create(m, new Shape(width, 1, 1, 1, end));
    }
}
