package io.djinn.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A decoder-only language model whose forward pass runs on DJL tensors.
 *
 * <p>Every call is batched: row {@code b} of a call feeds {@code tokens[b]} (at least one token) at positions
 * {@code startPositions[b] .. startPositions[b] + tokens[b].length - 1} of the sequence that owns KV-cache slot
 * {@code slots[b]}. Rows may have different lengths and different start positions; the model pads internally
 * and masks so that a row only ever attends to its own slot's positions {@code 0 .. its own position}. The keys
 * and values of the fed tokens are written into the cache, so the next call for that slot continues from
 * {@code startPositions[b] + tokens[b].length}.
 *
 * <p>The model is not thread-safe: one engine thread owns it.
 */
public interface CausalLM extends AutoCloseable {

    ModelConfig config();

    /**
     * Allocates the KV cache up front: {@code slots} independent sequences of up to {@code maxContext} positions
     * each, on the model's device and dtype. The cache lives until it is closed.
     */
    KvCache allocateCache(int slots, int maxContext);

    /**
     * Runs one forward step and returns float32 logits attached to {@code scope}: shape {@code [B, vocab]} holding
     * each row's logits after its last fed token, or, when {@code allPositions} is true, {@code [B, L, vocab]} for
     * every fed position (L = the longest row; positions past a row's length are padding and undefined).
     * All intermediate tensors are attached to {@code scope} (or closed earlier), so closing the scope frees them.
     */
    NDArray forward(NDManager scope, KvCache cache, int[] slots, int[][] tokens, int[] startPositions,
            boolean allPositions);

    /**
     * What the engine's step returns.
     *
     * @param logits float32 {@code [logitRows.length, vocab]} attached to the scope, or null when no row was asked
     * @param extra  the device copy of the {@code extra} floats (float32 {@code [extra.length]}), or null
     */
    record StepOutput(NDArray logits, NDArray extra) {}

    /**
     * One engine step: the same call as {@link #forward} with {@code allPositions} false, but returning the
     * last-token logits of the rows {@code logitRows} only (in that order; none skips the LM head), and uploading
     * {@code extra} (the sampler's parameters) in the step's one host-to-device copy, so that a step has exactly one.
     */
    StepOutput step(NDManager scope, KvCache cache, int[] slots, int[][] tokens, int[] startPositions,
            int[] logitRows, float[] extra);

    /** Frees the weights. */
    @Override
    void close();
}
