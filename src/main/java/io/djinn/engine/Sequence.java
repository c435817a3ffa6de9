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
