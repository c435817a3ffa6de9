package io.djinn.engine;

import java.time.Duration;

/**
 * How the engine schedules.
 *
 * @param maxSequences KV-cache slots, i.e. sequences running at once
 * @param maxContext positions per slot (prompt + output)
 * @param prefillChunk most prompt tokens one sequence prefills per step
 * @param maxBatchedTokens tokens one step feeds in all: one per decoding sequence, the rest for prefill chunks
 * @param prefillFirstTokens prompt chunks totalling at most this many tokens get a step of their own, ahead of the
 *     running decodes (never two such steps in a row); 0 always mixes them into the decode step
 * @param maxWaiting sequences that may wait for a slot; more are refused at once
 * @param queueTimeout how long a sequence may wait for its first slot before it is refused
 */
public record EngineSettings(int maxSequences, int maxContext, int prefillChunk, int maxBatchedTokens,
        int prefillFirstTokens, int maxWaiting, Duration queueTimeout) {

    public EngineSettings {
        if (maxSequences <= 0 || maxContext <= 1 || prefillChunk <= 0 || maxBatchedTokens <= 0 || maxWaiting < 0
                || prefillFirstTokens < 0) {
            throw new IllegalArgumentException("engine settings must be positive: " + maxSequences + " sequences, "
                    + maxContext + " context, " + prefillChunk + " prefill chunk, " + maxBatchedTokens
                    + " batched tokens, " + prefillFirstTokens + " prefill-first tokens, " + maxWaiting + " waiting");
        }
    }

    /** Defaults for tools and tests: generous queue, 512-token steps, prompts always mixed into decode steps. */
    public static EngineSettings of(int maxSequences, int maxContext, int prefillChunk) {
        return new EngineSettings(maxSequences, maxContext, prefillChunk, Math.max(512, maxSequences + prefillChunk),
                0, 1024, Duration.ofMinutes(10));
    }

    /** Seconds a refused client should wait: about one queue timeout's worth of work, at least one. */
    int retryAfterSeconds() {
        return (int) Math.max(1, Math.min(60, queueTimeout.toSeconds() / 2));
    }
}
