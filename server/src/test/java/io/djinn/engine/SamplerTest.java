package io.djinn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.djinn.common.DjlEnvironment;
import io.djinn.checkpoint.CheckpointGenerator;
import io.djinn.checkpoint.CheckpointSpec;
import io.djinn.model.Architecture;
import io.djinn.model.KvCache;
import io.djinn.model.LlamaModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sampler and its logits processing on real logits of the tiny generated model, against an independent
 * plain-Java implementation of vLLM's definitions ({@link ReferenceSampling}).
 */
class SamplerTest {

    static final int ROWS = 4;
    @TempDir
    static Path tmp;
    static float[][] logits;
    static int vocab;
    static int[][] prompts;
    static NDManager manager;

    @BeforeAll
    static void realLogits() throws Exception {
        DjlEnvironment.init();
        Path dir = tmp.resolve("tiny");
        CheckpointGenerator.generate(CheckpointSpec.tiny(Architecture.LLAMA), dir);
        manager = NDManager.newBaseManager(Device.cpu());
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32);
                KvCache cache = model.allocateCache(ROWS, 64);
                NDManager scope = manager.newSubManager()) {
            vocab = model.config().vocabSize();
            prompts = new int[ROWS][];
            int[] slots = new int[ROWS];
            int[] starts = new int[ROWS];
            SplittableRandom r = new SplittableRandom(3);
            for (int b = 0; b < ROWS; b++) {
                prompts[b] = r.ints(12 + b, 0, vocab - 8).toArray();
                slots[b] = b;
            }
            float[] flat = model.forward(scope, cache, slots, prompts, starts, false).toFloatArray();
            logits = new float[ROWS][];
            for (int b = 0; b < ROWS; b++) {
                logits[b] = Arrays.copyOfRange(flat, b * vocab, (b + 1) * vocab);
            }
        }
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static NDArray batch(NDManager scope, float[]... rows) {
        float[] flat = new float[rows.length * vocab];
        for (int b = 0; b < rows.length; b++) {
            System.arraycopy(rows[b], 0, flat, b * vocab, vocab);
        }
        return scope.create(flat, new Shape(rows.length, vocab));
    }

    static int[] output(int n, long seed) {
        return new SplittableRandom(seed).ints(n, 0, 40).toArray(); // a small id range, so ids repeat
    }

    static SamplingParams.Builder greedy() {
        return SamplingParams.builder().temperature(0).eosTokenIds(new int[] {vocab - 5});
    }

    /** Every processor at once, per row with different settings, against the Java reference. */
    @Test
    void processedLogitsEqualReference() {
        int[][] outputs = {output(30, 1), output(7, 2), output(0, 3), output(50, 4)};
        int eos = vocab - 5;
        List<SamplingParams> params = List.of(
                SamplingParams.builder().presencePenalty(0.7).frequencyPenalty(0.3).repetitionPenalty(1.3)
                        .logitBias(Map.of(5, 2.5f, 17, -3f, 1000, 100f)).build(),
                SamplingParams.builder().repetitionPenalty(0.8).badWords(List.of(new int[] {9},
                                new int[] {outputs[1][5], outputs[1][6], 33}, new int[] {outputs[1][4], 34}))
                        .minTokens(10).eosTokenIds(new int[] {eos}).stopTokenIds(new int[] {7}).build(),
                SamplingParams.builder().frequencyPenalty(-0.5).repetitionPenalty(1.1).minTokens(1)
                        .eosTokenIds(new int[] {eos}).ignoreEos(true).stopTokenIds(new int[] {8}).build(),
                SamplingParams.builder().build());
        List<Sampler.Row> rows = new ArrayList<>();
        for (int b = 0; b < ROWS; b++) {
            rows.add(new Sampler.Row(params.get(b), prompts[b], Arrays.copyOf(outputs[b], outputs[b].length + 9),
                    outputs[b].length));
        }
        try (NDManager scope = manager.newSubManager()) {
            float[] got = new LogitsProcessor(vocab).apply(scope, batch(scope, logits), rows).toFloatArray();
            for (int b = 0; b < ROWS; b++) {
                float[] want = ReferenceSampling.process(logits[b], params.get(b), prompts[b], outputs[b]);
                for (int v = 0; v < vocab; v++) {
                    float g = got[b * vocab + v];
                    assertEquals(want[v], g, 1e-5f * Math.max(1f, Math.abs(want[v])), "row " + b + " id " + v);
                }
            }
            // the edits really happened: a bad word, a min_tokens ban, the stop id of the ignore_eos row
            assertEquals(Float.NEGATIVE_INFINITY, got[vocab + 9]);
            assertEquals(Float.NEGATIVE_INFINITY, got[vocab + 33]);
            assertEquals(Float.NEGATIVE_INFINITY, got[vocab + eos]);
            assertEquals(Float.NEGATIVE_INFINITY, got[2 * vocab + 8]);
            assertTrue(Float.isFinite(got[2 * vocab + eos]), "ignore_eos leaves EOS alone");
            assertTrue(Float.isFinite(got[vocab + 34]), "a bad word whose prefix is not the output tail is allowed");
            assertArrayEquals(logits[3], Arrays.copyOfRange(got, 3 * vocab, 4 * vocab), "plain row untouched");
        }
    }

    @Test
    void greedyHonoursBiasBadWordsAndMinTokens() {
        float[] row = logits[0];
        int best = ReferenceSampling.argmax(row);
        int second = ReferenceSampling.argmaxExcept(row, best);
        int low = ReferenceSampling.argmin(row);
        int[] prompt = prompts[0];
        assertEquals(best, greedyPick(row, greedy().build(), new int[0]));
        assertEquals(low, greedyPick(row, greedy().logitBias(Map.of(low, 100f)).build(), new int[0]));
        assertEquals(second, greedyPick(row, greedy().badWords(List.of(new int[] {best})).build(), new int[0]));
        List<int[]> pair = List.of(new int[] {11, best});
        assertEquals(second, greedyPick(row, greedy().badWords(pair).build(), new int[] {4, 11}));
        assertEquals(best, greedyPick(row, greedy().badWords(pair).build(), new int[] {11, 4}));
        SamplingParams minTokens = greedy().eosTokenIds(new int[] {best}).minTokens(3).build();
        assertEquals(second, greedyPick(row, minTokens, new int[] {1, 2}));
        assertEquals(best, greedyPick(row, minTokens, new int[] {1, 2, 3}));
        assertEquals(second, greedyPick(row, greedy().stopTokenIds(new int[] {best}).minTokens(1).ignoreEos(true)
                .build(), new int[0]));
        assertNotEquals(best, greedyPick(row, greedy().presencePenalty(2).frequencyPenalty(2).build(),
                new int[] {best}), "penalised after being generated");
        assertTrue(prompt.length > 0);
    }

    int greedyPick(float[] row, SamplingParams p, int[] out) {
        try (NDManager scope = manager.newSubManager()) {
            Sampler.Result r = new Sampler().sample(scope, batch(scope, row),
                    List.of(new Sampler.Row(p, prompts[0], out, out.length)), new float[] {0.5f});
            int want = ReferenceSampling.argmax(ReferenceSampling.process(row, p, prompts[0], out));
            assertEquals(want, r.tokens()[0], "sampler agrees with the reference");
            return r.tokens()[0];
        }
    }

    /** Temperature, min_p, top-k and top-p after penalties: each draw equals the reference's inverse CDF. */
    @Test
    void sampledDrawsEqualReferenceInverseCdf() {
        List<SamplingParams> settings = List.of(
                SamplingParams.builder().temperature(0.7).build(),
                SamplingParams.builder().temperature(1.3).topK(20).build(),
                SamplingParams.builder().temperature(0.9).topP(0.6).build(),
                SamplingParams.builder().temperature(1.0).minP(0.2).build(),
                SamplingParams.builder().temperature(2.0).minP(0.05).topK(50).topP(0.9).repetitionPenalty(1.2)
                        .presencePenalty(0.4).logitBias(Map.of(3, 1.5f)).build());
        int[] out = output(20, 9);
        SplittableRandom r = new SplittableRandom(11);
        int checked = 0;
        for (SamplingParams p : settings) {
            for (int trial = 0; trial < 12; trial++) {
                float[] u = new float[ROWS];
                List<Sampler.Row> rows = new ArrayList<>();
                for (int b = 0; b < ROWS; b++) {
                    u[b] = (float) r.nextDouble();
                    // mixed batch: a greedy row sits among the sampled ones
                    rows.add(new Sampler.Row(b == 1 ? greedy().build() : p, prompts[b], out, out.length));
                }
                try (NDManager scope = manager.newSubManager()) {
                    int[] got = new Sampler().sample(scope, batch(scope, logits), rows, u).tokens();
                    for (int b = 0; b < ROWS; b++) {
                        float[] processed = ReferenceSampling.process(logits[b], rows.get(b).params(), prompts[b],
                                out);
                        if (b == 1) {
                            assertEquals(ReferenceSampling.argmax(processed), got[b]);
                            continue;
                        }
                        ReferenceSampling.Draw want = ReferenceSampling.draw(processed, p, u[b]);
                        if (want.margin() < 1e-4) {
                            continue; // the uniform sits on a CDF step: float rounding may go either way
                        }
                        assertEquals(want.token(), got[b], p + " u=" + u[b]);
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > 150, "checked " + checked + " draws");
    }

    @Test
    void logprobsAreRawLogSoftmaxWithChosenTokenAlwaysPresent() {
        int low = ReferenceSampling.argmin(logits[2]);
        List<SamplingParams> params = List.of(
                greedy().logprobs(5).build(),
                SamplingParams.builder().build(),
                greedy().logprobs(2).logitBias(Map.of(low, 1000f)).repetitionPenalty(1.5).build(),
                SamplingParams.builder().temperature(1.0).logprobs(0).build());
        List<Sampler.Row> rows = new ArrayList<>();
        for (int b = 0; b < ROWS; b++) {
            rows.add(new Sampler.Row(params.get(b), prompts[b], new int[0], 0));
        }
        try (NDManager scope = manager.newSubManager()) {
            Sampler.Result r = new Sampler().sample(scope, batch(scope, logits), rows,
                    new float[] {0.1f, 0.2f, 0.3f, 0.4f});
            assertNull(r.logprobs()[1]);
            assertEquals(low, r.tokens()[2]);
            for (int b : new int[] {0, 2, 3}) {
                TokenLogprobs lp = r.logprobs()[b];
                double[] want = ReferenceSampling.logSoftmax(logits[b]);
                assertEquals(r.tokens()[b], lp.tokenId());
                assertEquals(want[lp.tokenId()], lp.logprob(), 1e-4);
                int n = params.get(b).logprobs();
                assertEquals(n, lp.topIds().length);
                int[] order = ReferenceSampling.descending(want);
                for (int j = 0; j < n; j++) {
                    assertEquals(want[order[j]], lp.topLogprobs()[j], 1e-4, "top " + j);
                    assertEquals(want[lp.topIds()[j]], lp.topLogprobs()[j], 1e-4);
                    if (j > 0) {
                        assertTrue(lp.topLogprobs()[j] <= lp.topLogprobs()[j - 1]);
                    }
                }
            }
            TokenLogprobs forced = r.logprobs()[2];
            assertFalse(Arrays.stream(forced.topIds()).anyMatch(id -> id == low), "chosen token is outside top 2");
            assertTrue(forced.logprob() < forced.topLogprobs()[1]);
        }
    }

    /** A row's pick depends only on its own logits, parameters and uniform, not on what shares the batch. */
    @Test
    void rowResultsDoNotDependOnTheRestOfTheBatch() {
        List<SamplingParams> targets = List.of(
                SamplingParams.builder().temperature(0.8).topK(40).minP(0.02).presencePenalty(0.5)
                        .logitBias(Map.of(12, 3f)).logprobs(3).build(),
                // no top-k or top-p: this row's CDF is walked in id order even beside rows that sort
                SamplingParams.builder().temperature(1.1).minP(0.05).frequencyPenalty(0.4).logprobs(1).build());
        int[] out = output(10, 5);
        Sampler sampler = new Sampler();
        for (SamplingParams target : targets) {
            for (float u : new float[] {0.137f, 0.637f, 0.921f}) {
                Sampler.Result alone;
                Sampler.Result mixed;
                try (NDManager scope = manager.newSubManager()) {
                    alone = sampler.sample(scope, batch(scope, logits[0]),
                            List.of(new Sampler.Row(target, prompts[0], out, out.length)), new float[] {u});
                }
                try (NDManager scope = manager.newSubManager()) {
                    List<Sampler.Row> rows = List.of(
                            new Sampler.Row(greedy().repetitionPenalty(2).build(), prompts[1], output(4, 1), 4),
                            new Sampler.Row(SamplingParams.builder().temperature(1.5).topP(0.5).build(), prompts[2],
                                    new int[0], 0),
                            new Sampler.Row(target, prompts[0], out, out.length),
                            new Sampler.Row(SamplingParams.builder().badWords(List.of(new int[] {1})).build(),
                                    prompts[3], new int[0], 0));
                    mixed = sampler.sample(scope, batch(scope, logits[1], logits[2], logits[0], logits[3]), rows,
                            new float[] {0.9f, 0.1f, u, 0.5f});
                }
                assertEquals(alone.tokens()[0], mixed.tokens()[2], target + " u=" + u);
                assertEquals(alone.logprobs()[0].logprob(), mixed.logprobs()[2].logprob(), 1e-6);
                assertArrayEquals(alone.logprobs()[0].topIds(), mixed.logprobs()[2].topIds());
            }
        }
    }
}
