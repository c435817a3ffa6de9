package io.djinn.engine;

import java.util.SplittableRandom;

/** One request's state inside the engine; touched only by the engine thread except for {@link #cancel()}. */
final class Sequence implements GenerationHandle {
    final long id;
    final int[] prompt;
    final SamplingParams params;
    final Priority priority;
    final TokenSink sink;
    final SplittableRandom random;

    int slot = -1;
    /** Tokens whose keys and values are in the cache. */
    int cached;
    int generated;
    /** The generated ids; the first {@link #generated} entries are valid (penalties and bad words read them). */
    int[] output = new int[16];
    int lastToken = -1;
    private volatile boolean cancelled;

    Sequence(long id, int[] prompt, SamplingParams params, Priority priority, TokenSink sink) {
        this.id = id;
        this.prompt = prompt;
        this.params = params;
        this.priority = priority;
        this.sink = sink;
        this.random = params.seed() != null ? new SplittableRandom(params.seed()) : new SplittableRandom();
    }

    void recordOutput(int token) {
        if (generated == output.length) {
            output = java.util.Arrays.copyOf(output, output.length * 2);
        }
        output[generated++] = token;
        lastToken = token;
    }

    Sampler.Row samplingRow() {
        return new Sampler.Row(params, prompt, output, generated);
    }

    boolean prefilling() {
        return cached < prompt.length;
    }

    boolean cancelled() {
        return cancelled;
    }

    @Override
    public void cancel() {
        cancelled = true;
    }
}
