package io.djinn.model;

import static io.djinn.model.Ops.op;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Everything one forward call shares across layers, built once per step from a single host-to-device copy: the
 * tokens, their positions and slots, the rotation matrices, the attention masks and the cache indices to write and
 * read. Nothing here grows with the cache's slots or context: the host packs a few small vectors (one entry per
 * token, row or slot of the read range), and the masks and rotations are built from them on the device.
 *
 * <p>Rows are packed, not padded: the grid is {@code [T, hidden]} holding the T fed tokens, the one-token (decode)
 * rows first, then each longer row (a prompt chunk). Every position-wise layer (norms, projections, MLP, rotary)
 * runs once on all T tokens. Attention runs per {@link Segment}: all decode rows together as one batch of single
 * queries against their slots, whatever their number, and each prompt chunk causally against its own slot.
 */
final class Step {
    /**
     * Decode rows read their slots' keys and values as one slice over the slot range they span (holes included)
     * while that range is at most this many times their number; beyond, one gather of their own slots is cheaper
     * than attending over the holes. Either way the decode attention is the same handful of tensor calls.
     */
    static final int SPREAD_FACTOR = 2;
    /** On a CPU, rotating more tokens than this with per-token matrices costs more arithmetic than it saves calls. */
    static final int ROPE_MATRIX_TOKENS_CPU = 64;

    final NDManager manager;
    /** Rows of the call (the caller's order). */
    final int batch;
    /** Tokens fed in all (the packed grid's length). */
    final int len;
    /** One-token rows: the first {@code decodeRows} tokens of the grid. */
    final int decodeRows;
    /** Keys attended at most: positions {@code [0, span)} of some slot; span = max(start + length). */
    final int span;
    final int[] lengths;
    /** Caller row of each packed row. */
    final int[] order;
    /** Offset of each caller row's first token in the packed grid. */
    final int[] offsets;
    final NDArray tokenIds;           // int64 [T]
    final RotaryEmbedding.At rope;    // rotation of the T tokens
    /** Where the fed keys go in the {@code [slots, K, D, ctx]} key cache: cache[slot_t, :, :, pos_t]. */
    final NDIndex writeKeys;
    /** Where the fed values go in the {@code [slots, K, ctx, D]} value cache: cache[slot_t, :, pos_t, :]. */
    final NDIndex writeValues;
    /** Decode rows (if any) first, then one segment per longer row. */
    final Segment[] segments;
    /**
     * Rows of the packed grid whose logits the call returns, in the order returned; null when that is the whole
     * grid in order (a decode-only step), which spares the gather.
     */
    final NDIndex logitRows;
    /** Whether the decode rows read their slots by a gather (a copy) rather than a slice. */
    final boolean gathersCache;
    /** How many rows of logits the call returns. */
    final int logitCount;
    /** The caller's floats, uploaded in the same copy as the step's indices: float32 [extra.length], or null. */
    final NDArray extra;

    /** A block of {@code rows} consecutive slots from {@code firstSlot}, read by a segment. */
    record Run(int firstRow, int rows, int firstSlot) {}

    /**
     * Packed rows {@code [firstRow, firstRow + rows)} whose tokens are {@code [firstToken, firstToken + tokens)} of
     * the grid: either all one-token (decode) rows, attending as a batch of queries of length 1, or a single longer
     * row attending causally to its own slot.
     *
     * @param mask   additive, in the model's dtype: {@code [width, 1, 1, span]} for decode rows (width = rows, or the
     *               slot range when spread), {@code [L, 1, span]} for a chunk of L tokens
     * @param runs   the slot blocks the segment reads: one block over its whole slot range when it reads a slice,
     *               else the maximal blocks of its rows' slots, all read by one gather (never one call per block)
     * @param keys   the index that reads the segment's keys from the key cache: {@code [width, K, D, span]} for
     *               decode rows, {@code [K, D, span]} for a chunk
     * @param values the same for the value cache: {@code [width, K, span, D]}, {@code [K, span, D]}
     * @param spread when set, the decode rows' slots have holes but are read as one slice of the slot range: queries
     *               are gathered into slot order with this index (a hole repeats row 0's query; its output is
     *               dropped), and {@link #gather} takes each row's output back
     */
    record Segment(int firstRow, int rows, int firstToken, int tokens, int span, NDArray mask, Run[] runs,
            NDIndex keys, NDIndex values, NDIndex spread, NDIndex gather) {
        boolean decode() {
            return tokens == rows;
        }
    }

    Step(NDManager manager, RotaryEmbedding rotary, int slidingWindow, int[] slots, int[][] tokens, int[] starts,
            boolean allPositions) {
        this(manager, rotary, slidingWindow, slots, tokens, starts, allPositions, null, null);
    }

    /**
     * @param logitRows caller rows whose last-token logits are wanted, in that order; null for every row (or for
     *                  every position of every row when {@code allPositions})
     * @param extra     floats to upload with the step (see {@link #extra}), or null
     */
    Step(NDManager manager, RotaryEmbedding rotary, int slidingWindow, int[] slots, int[][] tokens, int[] starts,
            boolean allPositions, int[] logitRows, float[] extra) {
        this.manager = manager;
        batch = tokens.length;
        lengths = new int[batch];
        order = new int[batch];
        offsets = new int[batch];
        int total = 0;
        int decode = 0;
        int maxEnd = 0;
        for (int b = 0; b < batch; b++) {
            lengths[b] = tokens[b].length;
            total += lengths[b];
            maxEnd = Math.max(maxEnd, starts[b] + lengths[b]);
            if (lengths[b] == 1) {
                order[decode++] = b;
            }
        }
        for (int b = 0, n = decode; b < batch; b++) {
            if (lengths[b] > 1) {
                order[n++] = b;
            }
        }
        len = total;
        decodeRows = decode;
        span = maxEnd;

        // the host side: a few small vectors, laid out one after another in one buffer
        Packer host = new Packer();
        int idsAt = host.size();
        int t = 0;
        for (int r = 0; r < batch; r++) {
            int b = order[r];
            offsets[b] = t;
            for (int i = 0; i < lengths[b]; i++, t++) {
                host.add(tokens[b][i]);
            }
        }
        int positionsAt = host.size();
        for (int r = 0; r < batch; r++) {
            int b = order[r];
            for (int i = 0; i < lengths[b]; i++) {
                host.add(starts[b] + i);
            }
        }
        int slotsAt = host.size();
        for (int r = 0; r < batch; r++) {
            int b = order[r];
            for (int i = 0; i < lengths[b]; i++) {
                host.add(slots[b]);
            }
        }
        DecodePlan plan = decode == 0 ? null : DecodePlan.of(order, decode, slots, starts, host);
        gathersCache = plan != null && plan.gather();
        int logitsAt = host.size();
        int logitCount = addLogitRows(host, allPositions, logitRows);
        int intsEnd = host.size();
        int extraAt = host.size();
        if (extra != null) {
            host.addAll(extra);
        }

        // the device side: one copy, then views and a handful of small ops shared by all layers
        NDArray buffer = Ops.upload(manager, host.toArray());
        NDArray ints = op(op(buffer.get(manager, new NDIndex().addSliceDim(0, intsEnd))).toType(DataType.INT64,
                false));
        this.extra = extra == null ? null
                : op(buffer.get(manager, new NDIndex().addSliceDim(extraAt, extraAt + extra.length)));
        tokenIds = slice(ints, idsAt, len);
        NDArray positions = slice(ints, positionsAt, len);
        NDArray tokenSlots = slice(ints, slotsAt, len);
        boolean matrices = manager.getDevice().isGpu() || len <= ROPE_MATRIX_TOKENS_CPU;
        rope = rotary.at(manager, positions, len, matrices);
        writeKeys = new NDIndex("{}, :, :, {}", tokenSlots, positions);
        writeValues = new NDIndex("{}, :, {}", tokenSlots, positions);
        NDArray keyPositions = op(manager.arange(0, span, 1, DataType.INT64));            // [span]
        Masks masks = new Masks(rotary, slidingWindow, keyPositions);
        List<Segment> segs = new ArrayList<>();
        if (plan != null) {
            segs.add(plan.segment(this, ints, masks));
        }
        for (int r = decode; r < batch; r++) {
            int b = order[r];
            int l = lengths[b];
            int end = starts[b] + l;
            // the chunk's queries at positions p see keys [0, p] (within the window) of its slot
            NDArray queryPositions = op(slice(positions, offsets[b], l).reshape(l, 1, 1));
            NDArray mask = masks.visible(op(keyPositions.get(manager, new NDIndex().addSliceDim(0, end))),
                    queryPositions, true);                                                    // [L, 1, end]
            segs.add(new Segment(r, 1, offsets[b], l, end, mask, new Run[] {new Run(r, 1, slots[b])},
                    new NDIndex().addIndices(slots[b]).addAllDim().addAllDim().addSliceDim(0, end),
                    new NDIndex().addIndices(slots[b]).addAllDim().addSliceDim(0, end), null, null));
        }
        segments = segs.toArray(new Segment[0]);
        this.logitCount = logitCount;
        this.logitRows = logitCount < 0 ? null : new NDIndex("{}", slice(ints, logitsAt, logitCount));
    }

    /**
     * Appends the packed rows whose logits are wanted; returns their number, or -1 when it is the whole grid in
     * order (nothing appended).
     */
    private int addLogitRows(Packer host, boolean allPositions, int[] logitRows) {
        if (allPositions) {
            int longest = Arrays.stream(lengths).max().orElse(0);
            if (batch == 1) {
                return -1;
            }
            // the [B, L] grid of every row's positions; a row's padding repeats its last token
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < longest; i++) {
                    host.add(offsets[b] + Math.min(i, lengths[b] - 1));
                }
            }
            return batch * longest;
        }
        int[] rows = logitRows;
        if (rows == null) {
            rows = new int[batch];
            Arrays.setAll(rows, b -> b);
        }
        if (decodeRows == batch && isIdentity(order) && isIdentity(rows) && rows.length == batch) {
            return -1;
        }
        for (int b : rows) {
            host.add(offsets[b] + lengths[b] - 1);
        }
        return rows.length;
    }

    private static boolean isIdentity(int[] order) {
        for (int i = 0; i < order.length; i++) {
            if (order[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** The grid is always packed; kept for the layout tests. */
    boolean packed() {
        return true;
    }

    private NDArray slice(NDArray a, int from, int n) {
        return op(a.get(manager, new NDIndex().addSliceDim(from, from + n)));
    }

    /** Additive masks built on the device from key positions and per-query lengths. */
    private record Masks(RotaryEmbedding constants, int window, NDArray keyPositions) {
        /**
         * @param keys    int64 key positions {@code [S]}
         * @param limit   int64, broadcastable against keys: the last visible position (inclusive) or the number of
         *                visible positions (exclusive)
         */
        NDArray visible(NDArray keys, NDArray limit, boolean inclusive) {
            NDArray seen = op(inclusive ? keys.lte(limit) : keys.lt(limit));
            if (window > 0) {
                // a query at position p sees keys p - window + 1 .. p
                NDArray first = op(limit.sub(inclusive ? window - 1 : window));
                seen = op(seen.logicalAnd(op(keys.gte(first))));
            }
            // DJL's where refuses to broadcast; libtorch's does it, and its result joins the step's manager
            NDArray mask = op(JniUtils.where((PtNDArray) seen, (PtNDArray) constants.zero(),
                    (PtNDArray) constants.negInf()));
            mask.attach(seen.getManager());
            return mask;
        }
    }

    /** How the decode rows read their slots: a slice of the slot range (perhaps spread over holes) or a gather. */
    private record DecodePlan(int rows, int width, int lo, boolean spread, boolean gather, int span, int lengthsAt,
            int slotsAt, int spreadAt, int gatherAt, Run[] runs) {

        static DecodePlan of(int[] order, int rows, int[] slots, int[] starts, Packer host) {
            int lo = Integer.MAX_VALUE;
            int hi = -1;
            int span = 0;
            boolean consecutive = true;
            for (int r = 0; r < rows; r++) {
                int slot = slots[order[r]];
                lo = Math.min(lo, slot);
                hi = Math.max(hi, slot);
                span = Math.max(span, starts[order[r]] + 1);
                consecutive &= r == 0 || slot == slots[order[r - 1]] + 1;
            }
            int width = hi - lo + 1;
            List<Run> blocks = new ArrayList<>();
            for (int r = 0, first = 0; r < rows; r++) {
                if (r + 1 == rows || slots[order[r + 1]] != slots[order[r]] + 1) {
                    blocks.add(new Run(first, r + 1 - first, slots[order[first]]));
                    first = r + 1;
                }
            }
            boolean slice = consecutive || width <= SPREAD_FACTOR * rows;
            boolean spread = slice && !consecutive;
            int lengthsAt = host.size();
            if (slice) {
                // per slot of the range: the visible keys of its row; a hole sees position 0 only (finite softmax)
                int[] seen = new int[width];
                Arrays.fill(seen, 1);
                for (int r = 0; r < rows; r++) {
                    seen[slots[order[r]] - lo] = starts[order[r]] + 1;
                }
                host.addAll(seen);
            } else {
                for (int r = 0; r < rows; r++) {
                    host.add(starts[order[r]] + 1);
                }
            }
            int slotsAt = host.size();
            if (!slice) {
                for (int r = 0; r < rows; r++) {
                    host.add(slots[order[r]]);
                }
            }
            int spreadAt = host.size();
            int gatherAt = spreadAt;
            if (spread) {
                int[] place = new int[width];           // slot offset -> the row whose query it takes (holes: 0)
                for (int r = 0; r < rows; r++) {
                    place[slots[order[r]] - lo] = r;
                }
                host.addAll(place);
                gatherAt = host.size();
                for (int r = 0; r < rows; r++) {
                    host.add(slots[order[r]] - lo);     // row -> its slot's offset
                }
            }
            Run[] runs = slice ? new Run[] {new Run(0, width, lo)} : blocks.toArray(new Run[0]);
            return new DecodePlan(rows, slice ? width : rows, lo, spread, !slice, span, lengthsAt, slotsAt, spreadAt,
                    gatherAt, runs);
        }

        Segment segment(Step s, NDArray ints, Masks masks) {
            NDArray seen = op(s.slice(ints, lengthsAt, width).reshape(width, 1, 1, 1));
            NDArray keys = span == s.span ? masks.keyPositions()
                    : op(masks.keyPositions().get(s.manager, new NDIndex().addSliceDim(0, span)));
            NDArray mask = masks.visible(keys, seen, false);                                  // [width, 1, 1, span]
            NDIndex readKeys;
            NDIndex readValues;
            if (gather) {
                NDArray own = s.slice(ints, slotsAt, rows);
                readKeys = new NDIndex("{}, :, :, :" + span, own);
                readValues = new NDIndex("{}, :, :" + span, own);
            } else {
                readKeys = new NDIndex().addSliceDim(lo, lo + width).addAllDim().addAllDim().addSliceDim(0, span);
                readValues = new NDIndex().addSliceDim(lo, lo + width).addAllDim().addSliceDim(0, span);
            }
            NDIndex spreadIndex = spread ? new NDIndex("{}", s.slice(ints, spreadAt, width)) : null;
            NDIndex gatherIndex = spread ? new NDIndex("{}", s.slice(ints, gatherAt, rows)) : null;
            return new Segment(0, rows, 0, rows, span, mask, runs, readKeys, readValues, spreadIndex, gatherIndex);
        }
    }

    /** The host side of the step's one upload: integers (exact in float32 below 2^24) and the caller's floats. */
    private static final class Packer {
        private float[] data = new float[64];
        private int size;

        int size() {
            return size;
        }

        void add(float v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        void add(int v) {
            add((float) v);
        }

        void addAll(int[] vs) {
            for (int v : vs) {
                add(v);
            }
        }

        void addAll(float[] vs) {
            if (size + vs.length > data.length) {
                data = Arrays.copyOf(data, Math.max(size * 2, size + vs.length));
            }
            System.arraycopy(vs, 0, data, size, vs.length);
            size += vs.length;
        }

        float[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
