package io.djinn.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

/**
 * Causal self-attention with grouped-query heads, rotary positions and an in-place KV cache.
 *
 * <pre>
 *   qkv = x @ Wqkv (+ bqkv)                    [B, L, (H + 2K) * D]    H query heads, K kv heads, D head_dim
 *   q, k (Qwen3: RMSNorm per head), rope        [B, L, H, D], [B, L, K, D]
 *   cache[slot, :, pos, :] = k, v
 *   keys, values = cache[slot, :, :span, :]     [B, K, S, D]
 *   q grouped per kv head                       [B, K, G * L, D]        G = H / K
 *   p = softmax(q k^T + mask)                   [B, K, G, L, S]
 *   out = (p v) regrouped @ Wo                  [B, L, H * D] @ [H * D, hidden]
 * </pre>
 *
 * The 1/sqrt(D) score scale is folded into the query weights (or into q_norm's weight) at load time.
 */
final class Attention {
    private final int heads;
    private final int kvHeads;
    private final int group;
    private final int headDim;
    private final NDArray qkvWeight;   // [hidden, (H + 2K) * D], pre-transposed
    private final NDArray qkvBias;     // [(H + 2K) * D] or null (Qwen2 only)
    private final RmsNorm qkNorm;      // weight [H + K, D] or null (Qwen3 only)
    private final NDArray oWeight;     // [H * D, hidden], pre-transposed
    private final boolean upcastSoftmax;

    Attention(ModelConfig c, NDArray qkvWeight, NDArray qkvBias, RmsNorm qkNorm, NDArray oWeight) {
        this.heads = c.numAttentionHeads();
        this.kvHeads = c.numKeyValueHeads();
        this.group = c.groupSize();
        this.headDim = c.headDim();
        this.qkvWeight = qkvWeight;
        this.qkvBias = qkvBias;
        this.qkNorm = qkNorm;
        this.oWeight = oWeight;
        this.upcastSoftmax = qkvWeight.getDataType() == DataType.FLOAT16;
    }

    /** x: [B, L, hidden] -> [B, L, hidden]; writes this step's keys and values into the cache. */
    NDArray forward(NDArray x, Step s, NDArray keyCache, NDArray valueCache) {
        if (s.packed()) {
            return forwardPacked(x, s, keyCache, valueCache);
        }
        int b = s.batch;
        int l = s.len;
        NDArray qkv = x.matMul(qkvWeight);
        if (qkvBias != null) {
            qkv = qkv.addi(qkvBias);
        }
        NDList parts = qkv.reshape(b, l, heads + 2L * kvHeads, headDim).split(new long[] {heads + kvHeads}, 2);
        NDArray qk = parts.get(0);   // [B, L, H + K, D]
        NDArray v = parts.get(1);    // [B, L, K, D]
        if (qkNorm != null) {
            qk = qkNorm.forward(qk);
        }
        qk = s.rope.apply(qk);
        NDList qAndK = qk.split(new long[] {heads}, 2);
        NDArray q = qAndK.get(0);    // [B, L, H, D]
        NDArray k = qAndK.get(1);    // [B, L, K, D]

        keyCache.set(s.cacheWrite, fedTokens(k, s));
        valueCache.set(s.cacheWrite, fedTokens(v, s));
        NDArray qg = q.reshape(b, l, kvHeads, group, headDim).transpose(0, 2, 3, 1, 4)
                .reshape(b, kvHeads, (long) group * l, headDim);                   // [B, K, G*L, D]
        NDArray out;                                                                // [B, K, G*L, D]
        if (s.runs.length == 1) {
            out = attend(qg, s.mask, keyCache.get(s.manager, s.runs[0].cacheRead()),
                    valueCache.get(s.manager, s.runs[0].cacheRead()), b, l, s.span);
        } else {
            NDList outs = new NDList(s.runs.length);
            for (Step.Run r : s.runs) {
                outs.add(attend(qg.get(s.manager, r.batchRows()), s.mask.get(s.manager, r.batchRows()),
                        keyCache.get(s.manager, r.cacheRead()), valueCache.get(s.manager, r.cacheRead()), r.rows(),
                        l, s.span));
            }
            out = NDArrays.concat(outs, 0);
        }
        out = out.reshape(b, kvHeads, group, l, headDim).transpose(0, 3, 1, 2, 4)
                .reshape(b, l, (long) heads * headDim);                             // [B, L, H*D]
        return out.matMul(oWeight);
    }

    /**
     * x: [1, T, hidden], the rows' tokens one after another. Position-wise work runs on all T tokens at once;
     * attention runs per segment: decode rows as one batch of single queries, a longer row causally on its own.
     */
    private NDArray forwardPacked(NDArray x, Step s, NDArray keyCache, NDArray valueCache) {
        int t = s.len;
        NDArray qkv = x.matMul(qkvWeight);
        if (qkvBias != null) {
            qkv = qkv.addi(qkvBias);
        }
        NDList parts = qkv.reshape(1, t, heads + 2L * kvHeads, headDim).split(new long[] {heads + kvHeads}, 2);
        NDArray qk = parts.get(0);                                                   // [1, T, H + K, D]
        if (qkNorm != null) {
            qk = qkNorm.forward(qk);
        }
        qk = s.rope.apply(qk);
        NDList qAndK = qk.split(new long[] {heads}, 2);
        NDArray q = qAndK.get(0).reshape(t, heads, headDim);                         // [T, H, D]
        keyCache.set(s.cacheWrite, qAndK.get(1).reshape(t, kvHeads, headDim));
        valueCache.set(s.cacheWrite, parts.get(1).reshape(t, kvHeads, headDim));
        NDList outs = new NDList(s.segments.length);
        for (Step.Segment g : s.segments) {
            NDArray qs = q.get(s.manager, new ai.djl.ndarray.index.NDIndex()
                    .addSliceDim(g.firstToken(), g.firstToken() + g.tokens()));         // [n, H, D]
            int l = g.tokens() / g.rows();
            NDArray qg = qs.reshape(g.rows(), l, kvHeads, group, headDim).transpose(0, 2, 3, 1, 4)
                    .reshape(g.rows(), kvHeads, (long) group * l, headDim);          // [R, K, G*L, D]
            if (g.spread() != null) {
                // one run over the slot range, holes included: [W, K, G, D] in, each row's [K, G, D] back out
                Step.Run r = g.runs()[0];
                NDArray o = attend(qg.get(s.manager, g.spread()), g.mask(), keyCache.get(s.manager, r.cacheRead()),
                        valueCache.get(s.manager, r.cacheRead()), r.rows(), 1, g.span()).get(s.manager, g.gather());
                outs.add(o.reshape(g.rows(), (long) heads * headDim));              // [R, H*D] (L = 1: G*D = H*D/K)
                continue;
            }
            NDList runOuts = new NDList(g.runs().length);
            for (Step.Run r : g.runs()) {
                boolean all = g.runs().length == 1;
                runOuts.add(attend(all ? qg : qg.get(s.manager, r.batchRows()),
                        all ? g.mask() : g.mask().get(s.manager, r.batchRows()),
                        keyCache.get(s.manager, r.cacheRead()), valueCache.get(s.manager, r.cacheRead()), r.rows(),
                        l, g.span()));
            }
            NDArray o = runOuts.size() == 1 ? runOuts.get(0) : NDArrays.concat(runOuts, 0);
            outs.add(o.reshape(g.rows(), kvHeads, group, l, headDim).transpose(0, 3, 1, 2, 4)
                    .reshape(g.tokens(), (long) heads * headDim));                   // [n, H*D]
        }
        NDArray out = outs.size() == 1 ? outs.get(0) : NDArrays.concat(outs, 0);
        return out.reshape(1, t, (long) heads * headDim).matMul(oWeight);
    }

    /** qg [R, K, G*L, D], mask [R, 1, 1, L, S], keys/values [R, K, S, D] -> [R, K, G*L, D]. */
    private NDArray attend(NDArray qg, NDArray mask, NDArray keys, NDArray values, int rows, int l, int span) {
        NDArray scores = qg.matMul(keys.transpose(0, 1, 3, 2));                 // [R, K, G*L, S]
        if (upcastSoftmax) {
            scores = scores.toType(DataType.FLOAT32, false);
        }
        NDArray probs = scores.reshape(rows, kvHeads, group, l, span).addi(mask).softmax(-1);
        if (upcastSoftmax) {
            probs = probs.toType(DataType.FLOAT16, false);
        }
        return probs.reshape(rows, kvHeads, (long) group * l, span).matMul(values);
    }

    /** One row: [1, L, heads, D] -> [1, heads, L, D]; else [B, L, heads, D] -> [N, heads, D], real tokens only. */
    private static NDArray fedTokens(NDArray t, Step s) {
        if (s.single) {
            return t.transpose(0, 2, 1, 3);
        }
        NDArray flat = t.reshape(-1, t.getShape().get(2), t.getShape().get(3));
        return s.ragged ? flat.get(s.manager, s.validRows) : flat;
    }
}
