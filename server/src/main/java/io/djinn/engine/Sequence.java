package io.djinn.engine;

import java.util.SplittableRandom;

/**
 * One request's state inside the engine; touched only by the engine thread except for {@link #cancel()}.
 *
 * <p>A sequence survives preemption: its generated tokens, random generator and sampling state stay here, and on
 * resumption its context (prompt + output but the last token) is prefilled again, mostly from the prefix cache.
 */
final class Sequence implements GenerationHandle {
    final long id;
    final int[] prompt;
    final SamplingParams params;
    final Priority priority;
    final TokenSink sink;
    final SplittableRandom random;
    final long enqueuedNanos;

    int slot = -1;
    /** Tokens whose keys and values are in the cache. */
    int cached;
    int generated;
    /** The generated ids; the first {@link #generated} entries are valid (penalties and bad words read them). */
    int[] output = new int[16];
    int lastToken = -1;
    /** Admission order of the current residency; the latest admitted default sequence is preempted first. */
    long admittedOrder;
    boolean everScheduled;
    int preemptions;
    long firstTokenNanos;
    long lastTokenNanos;
    private volatile boolean cancelled;
    /** This sequence's structured-output state, or null; it survives preemption with the output it describes. */
    final TokenConstraint constraint;

    Sequence(long id, int[] prompt, SamplingParams params, Priority priority, TokenSink sink) {
        this.id = id;
        this.prompt = prompt;
        this.params = params;
        this.priority = priority;
        this.sink = sink;
        this.random = params.seed() != null ? new SplittableRandom(params.seed()) : new SplittableRandom();
        this.enqueuedNanos = System.nanoTime();
        this.constraint = params.constraint() == null ? null : params.constraint().get();
    }

    /** Prompt plus generated tokens. */
    int length() {
        return prompt.length + generated;
    }

    int tokenAt(int i) {
        return i < prompt.length ? prompt[i] : output[i - prompt.length];
    }

    /** Context tokens {@code [from, to)}. */
    int[] tokens(int from, int to) {
        int[] t = new int[to - from];
        for (int i = from; i < to; i++) {
            t[i - from] = tokenAt(i);
        }
        return t;
    }

    /**
     * How many context tokens the cache must hold before the sequence decodes: the whole prompt for a fresh
     * sequence (its last chunk's logits give the first token), everything but the last generated token for a
     * resumed one (the last token is fed by the next decode step).
     */
    int prefillTarget() {
        return generated == 0 ? prompt.length : length() - 1;
    }

    void recordOutput(int token) {
        if (generated == output.length) {
            output = java.util.Arrays.copyOf(output, output.length * 2);
        }
        output[generated++] = token;
        lastToken = token;
    }

    /** @param maxContext the engine's context limit, which ends a sequence like max_tokens does */
    Sampler.Row samplingRow(int maxContext) {
        int remaining = Math.min(params.maxTokens() - generated, maxContext - length());
        return new Sampler.Row(params, prompt, output, generated, constraint, remaining);
    }

    boolean prefilling() {
        return cached < prefillTarget();
    }

    /** A prefix hit may cover at most this many tokens: a fresh prompt recomputes its last token for the logits. */
    int reusableLimit() {
        return generated == 0 ? prompt.length - 1 : prefillTarget();
    }

    boolean cancelled() {
        return cancelled;
    }

    @Override
    public void cancel() {
        cancelled = true;
    }
}
