package io.djinn.structured;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Measures the cost of a constrained decoding step: drives constraints with uniformly random allowed tokens (a
 * random-weight model's noise), starting a new document whenever one completes or its token budget is spent, and
 * times each {@link GrammarConstraint#allowed} call. The warm-up steps fill the shared mask caches and are not
 * counted; what is measured is the steady state a server reaches after its first requests on a grammar.
 */
public final class MaskStepBenchmark {
    private MaskStepBenchmark() {}

    /**
     * @param steps      measured mask steps
     * @param documents  documents completed during the measured steps
     * @param p50Micros  median mask time
     * @param p99Micros  99th percentile
     * @param maxMicros  slowest step
     * @param meanMicros mean mask time
     * @param acceptMeanMicros mean time of {@link GrammarConstraint#accept}
     * @param warmupMillis wall time of the warm-up steps (mask caches filled there)
     * @param warmupMaxMicros slowest warm-up step: a state's first mask (the in-string state walks the whole trie)
     */
    public record Result(int steps, int documents, double p50Micros, double p99Micros, double maxMicros,
                         double meanMicros, double acceptMeanMicros, long warmupMillis, double warmupMaxMicros) {
        @Override
        public String toString() {
            return String.format("%d mask steps over %d documents: p50 %.1f us, p99 %.1f us, max %.1f us, mean %.1f us;"
                    + " accept mean %.1f us; warm-up %d ms (slowest step %.1f ms)", steps, documents, p50Micros,
                    p99Micros, maxMicros, meanMicros, acceptMeanMicros, warmupMillis, warmupMaxMicros / 1e3);
        }
    }

    /**
     * @param maxTokens budget of each document (its max_tokens); must be at least the grammar's shortest document
     */
    public static Result run(TokenVocabulary vocab, Grammar grammar, int warmupSteps, int steps, int maxTokens,
                             long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long warmStart = System.nanoTime();
        long[] warmNanos = new long[warmupSteps];
        drive(vocab, grammar, warmupSteps, maxTokens, random, warmNanos, new long[warmupSteps]);
        long warmupMillis = (System.nanoTime() - warmStart) / 1_000_000;
        long[] maskNanos = new long[steps];
        long[] acceptNanos = new long[steps];
        int documents = drive(vocab, grammar, steps, maxTokens, random, maskNanos, acceptNanos);
        long[] sorted = maskNanos.clone();
        Arrays.sort(sorted);
        double mean = Arrays.stream(maskNanos).average().orElse(0) / 1e3;
        double acceptMean = Arrays.stream(acceptNanos).average().orElse(0) / 1e3;
        return new Result(steps, documents, percentile(sorted, 0.50) / 1e3, percentile(sorted, 0.99) / 1e3,
                (steps == 0 ? 0 : sorted[steps - 1]) / 1e3, mean, acceptMean, warmupMillis,
                Arrays.stream(warmNanos).max().orElse(0) / 1e3);
    }

    private static int drive(TokenVocabulary vocab, Grammar grammar, int steps, int maxTokens, SplittableRandom random,
                             long[] maskNanos, long[] acceptNanos) {
        GrammarConstraint c = new GrammarConstraint(grammar, vocab);
        if (c.minTokens() > maxTokens) {
            throw new IllegalArgumentException("maxTokens " + maxTokens + " is below the grammar's shortest document ("
                    + c.minTokens() + ")");
        }
        int remaining = maxTokens;
        int documents = 0;
        for (int i = 0; i < steps; i++) {
            if (c.isComplete() || remaining == 0) {
                documents++;
                c = new GrammarConstraint(grammar, vocab);
                remaining = maxTokens;
            }
            long t0 = System.nanoTime();
            long[] mask = c.allowed(remaining);
            long t1 = System.nanoTime();
            int token = TokenMasks.pickUniform(mask, random);
            long t2 = System.nanoTime();
            c.accept(token);
            long t3 = System.nanoTime();
            remaining--;
            maskNanos[i] = t1 - t0;
            acceptNanos[i] = t3 - t2;
        }
        return documents;
    }

    private static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }
}
