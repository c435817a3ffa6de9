package io.djinn.model;

import static io.djinn.model.Ops.op;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * Causal self-attention with grouped-query heads, rotary positions and an in-place KV cache, on the packed grid of a
 * {@link Step}.
 *
 * <pre>
 *   qkv = h @ Wqkv (+ bqkv)                         [T, (H + 2K) * D]   H query heads, K kv heads, D head_dim
 *   q, k (Qwen3: RMSNorm per head), rope(q, k)       [T, H, D], [T, K, D]
 *   keys[slot, :, :, pos] = k;  values[slot, :, pos, :] = v     keys stored transposed: [slots, K, D, ctx]
 *   decode rows:  q [R, K, G, D] @ keys[their slots] [R, K, D, S] + mask -> softmax -> @ values [R, K, S, D]
 *   a prompt chunk of L tokens: q [K, L*G, D] @ keys[slot] [K, D, S] + causal mask -> softmax -> @ values[slot]
 *   out = residual + attn [T, H * D] @ Wo                                  G = H / K
 * </pre>
 *
 * The 1/sqrt(D) score scale is folded into the query weights (or into q_norm's weight) and the input norm's weight
 * into Wqkv at load time. A decode step costs the same tensor calls for 1 row as for 256.
 */
final class Attention {
    private final int heads;
    private final int kvHeads;
    private final int group;
    private final int headDim;
    private final NDArray qkvWeight;   // [(H + 2K) * D, hidden'], input norm folded in
    private final NDArray qkvWeightT;  // [hidden', (H + 2K) * D], a transposed view of qkvWeight for matMul
    private final NDArray qkvBias;     // [(H + 2K) * D] or null (Qwen2 only)
    private final RmsNorm qkNorm;      // weight [H + K, D] or null (Qwen3 only)
    private final NDArray oWeight;     // [hidden', H * D] (zero extra rows), for linear

    Attention(ModelConfig c, NDArray qkvWeight, NDArray qkvBias, RmsNorm qkNorm, NDArray oWeight) {
        this.heads = c.numAttentionHeads();
        this.kvHeads = c.numKeyValueHeads();
        this.group = c.groupSize();
        this.headDim = c.headDim();
        this.qkvWeight = qkvWeight;
        this.qkvWeightT = qkvWeight.transpose();
        this.qkvBias = qkvBias;
        this.qkNorm = qkNorm;
        this.oWeight = oWeight;
    }

    /**
     * h: the normalized input [T, hidden'], residual: the layer's input [T, hidden'] -> residual + attention;
     * writes this step's keys and values into the cache.
     */
    NDArray forward(NDArray h, Step s, NDArray keyCache, NDArray valueCache, NDArray residual) {
        int t = s.len;
        NDArray qkv = qkvBias == null ? op(h.matMul(qkvWeightT)) : LlamaModel.linear(h, qkvWeight, qkvBias);
        NDList parts = op(op(qkv.reshape(t, heads + 2L * kvHeads, headDim)).split(new long[] {heads + kvHeads}, 1));
        NDArray qk = parts.get(0);                                                   // [T, H + K, D]
        if (qkNorm != null) {
            qk = qkNorm.forward(qk);
        }
        NDList qAndK = op(s.rope.apply(qk).split(new long[] {heads}, 1));
        NDArray q = qAndK.get(0);                                                    // [T, H, D]
        op();
        keyCache.set(s.writeKeys, qAndK.get(1));                                     // [T, K, D]
        op();
        valueCache.set(s.writeValues, parts.get(1));                                 // [T, K, D]
        // cache reads go to the layer's manager: a gathered copy must not outlive the layer
        NDManager m = q.getManager();
        NDList outs = new NDList(s.segments.length);
        for (Step.Segment g : s.segments) {
            outs.add(g.decode() ? decode(m, q, g, s, keyCache, valueCache) : chunk(m, q, g, keyCache, valueCache));
        }
        NDArray out = outs.size() == 1 ? outs.get(0) : op(NDArrays.concat(outs, 0));  // [T, H*D]
        return LlamaModel.linear(out, oWeight, residual);
    }

    /** All decode rows at once: one query each, against their own slots' first {@code span} positions. */
    private NDArray decode(NDManager m, NDArray q, Step.Segment g, Step s, NDArray keyCache, NDArray valueCache) {
        int rows = g.rows();
        NDArray qd = rows == s.len ? q : op(q.get(m, new NDIndex().addSliceDim(0, rows)));
        NDArray qg = op(qd.reshape(rows, kvHeads, group, headDim));                 // [R, K, G, D]
        if (g.spread() != null) {
            qg = op(qg.get(m, g.spread()));                                          // [W, K, G, D], slot order
        }
        NDArray scores = op(qg.matMul(op(keyCache.get(m, g.keys()))));               // [W, K, G, S]
        NDArray probs = op(op(scores.addi(g.mask())).softmax(-1));
        NDArray o = op(probs.matMul(op(valueCache.get(m, g.values()))));            // [W, K, G, D]
        if (g.gather() != null) {
            o = op(o.get(m, g.gather()));                                            // [R, K, G, D]
        }
        return op(o.reshape(rows, (long) heads * headDim));
    }

    /** One prompt chunk of L tokens, causally against its own slot. */
    private NDArray chunk(NDManager m, NDArray q, Step.Segment g, NDArray keyCache, NDArray valueCache) {
        int l = g.tokens();
        int span = g.span();
        NDArray qc = op(q.get(m, new NDIndex().addSliceDim(g.firstToken(), g.firstToken() + l)));   // [L, H, D]
        NDArray qg = op(op(op(qc.reshape(l, kvHeads, (long) group * headDim)).transpose(1, 0, 2))
                .reshape(kvHeads, (long) l * group, headDim));                       // [K, L*G, D]
        NDArray scores = op(op(qg.matMul(op(keyCache.get(m, g.keys())))).reshape(kvHeads, l, group, span));
        NDArray probs = op(op(op(scores.addi(g.mask())).softmax(-1)).reshape(kvHeads, (long) l * group, span));
        NDArray o = op(probs.matMul(op(valueCache.get(m, g.values()))));            // [K, L*G, D]
        return op(op(op(o.reshape(kvHeads, l, (long) group * headDim)).transpose(1, 0, 2))
                .reshape(l, (long) heads * headDim));                                // [L, H*D]
    }
}
