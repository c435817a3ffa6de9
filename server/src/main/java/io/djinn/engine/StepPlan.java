package io.djinn.engine;

import java.util.List;

/**
 * What one engine step feeds: one token for each decoding sequence, and prompt chunks for prefilling ones.
 *
 * @param decodes sequences that feed their last generated token
 * @param prefills prompt (or resumed context) chunks, at most one per sequence
 */
record StepPlan(List<Sequence> decodes, List<Chunk> prefills) {

    /** Context tokens {@code [start, start + tokens.length)} of a sequence. */
    record Chunk(Sequence sequence, int start, int[] tokens) {}

    boolean isEmpty() {
        return decodes.isEmpty() && prefills.isEmpty();
    }

    int tokens() {
        int n = decodes.size();
        for (Chunk c : prefills) {
            n += c.tokens().length;
        }
        return n;
    }
}
