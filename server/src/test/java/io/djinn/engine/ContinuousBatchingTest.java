package io.djinn.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.djinn.checkpoint.CheckpointGenerator;
import io.djinn.checkpoint.CheckpointSpec;
import io.djinn.model.Architecture;
import io.djinn.model.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The scheduler on the tiny generated checkpoint: batching, preemption and prefix reuse change no token. */
class ContinuousBatchingTest {

    private static Path dir;
    private static LlamaModel model;

    @BeforeAll
    static void load() throws Exception {
        dir = Files.createTempDirectory("djinn-batching");
        CheckpointGenerator.generate(CheckpointSpec.tiny(Architecture.LLAMA), dir);
        model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32);
    }

    @AfterAll
    static void close() throws Exception {
        model.close();
        CheckpointGenerator.deleteRecursively(dir);
    }

    private static InferenceEngine engine(int slots, int prefillChunk, int batchedTokens, EngineListener listener) {
        return engine(slots, prefillChunk, batchedTokens, 0, listener);
    }

    private static InferenceEngine engine(int slots, int prefillChunk, int batchedTokens, int prefillFirstTokens,
            EngineListener listener) {
        return new InferenceEngine(model, NDManager.newBaseManager(Device.cpu()), new EngineSettings(slots, 256,
                prefillChunk, batchedTokens, prefillFirstTokens, 64, Duration.ofMinutes(5)), listener);
    }

    private static SamplingParams greedy(int maxTokens) {
        return SamplingParams.builder().temperature(0).maxTokens(maxTokens).ignoreEos(true).build();
    }

    private static int[] prompt(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(1000);
        }
        return t;
    }

    private record Job(int[] prompt, int maxTokens, Priority priority) {}

    /** Each job alone in a fresh engine: the reference. */
    private static List<List<Integer>> alone(List<Job> jobs) throws Exception {
        List<List<Integer>> out = new ArrayList<>();
        for (Job j : jobs) {
            try (InferenceEngine e = engine(1, 512, 512, EngineListener.NONE)) {
                RecordingSink sink = new RecordingSink();
                e.submit(j.prompt(), greedy(j.maxTokens()), Priority.DEFAULT, sink);
                out.add(sink.await());
            }
        }
        return out;
    }

    @Test
    void batchingPreemptionAndChunkingChangeNoToken() throws Exception {
        List<Job> jobs = List.of(
                // jobs 0 and 3 outlast everything before the priority job, so the batch is full when it comes
                new Job(prompt(40, 1), 100, Priority.DEFAULT),
                new Job(prompt(7, 2), 24, Priority.DEFAULT),
                new Job(prompt(90, 3), 12, Priority.DEFAULT),
                new Job(prompt(3, 4), 80, Priority.DEFAULT),
                new Job(prompt(25, 5), 60, Priority.DEFAULT),
                new Job(prompt(60, 6), 10, Priority.HIGH));
        List<List<Integer>> reference = alone(jobs);

        AtomicInteger preemptions = new AtomicInteger();
        EngineListener counting = new EngineListener() {
            @Override
            public void preempted() {
                preemptions.incrementAndGet();
            }
        };
        // 3 slots, 16-token chunks, 24-token steps: prompts are split, steps mix chunks and decodes
        List<RecordingSink> sinks = new ArrayList<>();
        try (InferenceEngine e = engine(3, 16, 24, counting)) {
            for (int i = 0; i < jobs.size(); i++) {
                Job j = jobs.get(i);
                if (j.priority() == Priority.HIGH) {
                    // the batch is full of running default sequences: this one preempts the latest admitted
                    sinks.get(i - 1).awaitTokens(3);
                    sinks.get(0).awaitTokens(5);
                }
                RecordingSink sink = new RecordingSink();
                e.submit(j.prompt(), greedy(j.maxTokens()), j.priority(), sink);
                sinks.add(sink);
                if (i == 1) {
                    sinks.get(0).awaitTokens(4);   // later jobs join a batch that is already decoding
                }
            }
            for (int i = 0; i < jobs.size(); i++) {
                assertEquals(reference.get(i), sinks.get(i).await(), "job " + i);
                assertEquals(FinishReason.LENGTH, sinks.get(i).done.get());
            }
        }
        assertTrue(preemptions.get() >= 1, "a default sequence was preempted and resumed");
    }

    @Test
    void shortPromptsGetAStepOfTheirOwnLongOnesRideWithDecodesAndNoTokenChanges() throws Exception {
        List<Job> jobs = List.of(
                new Job(prompt(10, 80), 60, Priority.DEFAULT),
                new Job(prompt(12, 81), 8, Priority.DEFAULT),
                new Job(prompt(14, 82), 8, Priority.DEFAULT),
                new Job(prompt(80, 83), 8, Priority.DEFAULT));
        List<List<Integer>> reference = alone(jobs);
        record Stepped(int decodes, int prompt) {}
        List<Stepped> steps = java.util.Collections.synchronizedList(new ArrayList<>());
        EngineListener recording = new EngineListener() {
            @Override
            public void stepped(int decodeRows, int promptTokens) {
                steps.add(new Stepped(decodeRows, promptTokens));
            }
        };
        List<RecordingSink> sinks = new ArrayList<>();
        // 32-token threshold, 64-token chunks: the 12- and 14-token prompts go first, the 80-token one is chunked
        try (InferenceEngine e = engine(4, 64, 128, 32, recording)) {
            for (int i = 0; i < jobs.size(); i++) {
                RecordingSink sink = new RecordingSink();
                e.submit(jobs.get(i).prompt(), greedy(jobs.get(i).maxTokens()), Priority.DEFAULT, sink);
                sinks.add(sink);
                sinks.get(0).awaitTokens(3 + 4 * i);   // each prompt arrives while the first one decodes
            }
            for (int i = 0; i < jobs.size(); i++) {
                assertEquals(reference.get(i), sinks.get(i).await(), "job " + i);
            }
        }
        List<Stepped> seen = List.copyOf(steps);
        int promptsFirst = 0;
        for (int i = 1; i < seen.size(); i++) {
            Stepped s = seen.get(i);
            if (seen.get(i - 1).decodes() > 0 && s.decodes() == 0 && s.prompt() > 0) {
                promptsFirst++;
                assertTrue(s.prompt() <= 32, "only short prompts go first: " + seen);
                assertTrue(i + 1 < seen.size() && seen.get(i + 1).decodes() > 0,
                        "the decodes run right after a prompts-only step: " + seen);
            }
            if (s.prompt() > 32) {
                assertTrue(s.decodes() > 0, "a long prompt chunk rides with the decodes: " + seen);
            }
        }
        assertTrue(promptsFirst >= 2, "short prompts got steps of their own: " + seen);
    }

    @Test
    void priorityRequestsGetTheirFirstTokenBeforeDefaultsQueuedEarlier() throws Exception {
        try (InferenceEngine e = engine(2, 64, 128, EngineListener.NONE)) {
            List<RecordingSink> running = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                RecordingSink s = new RecordingSink();
                e.submit(prompt(20, 10 + i), greedy(60), Priority.DEFAULT, s);
                running.add(s);
            }
            running.get(0).awaitTokens(1);
            running.get(1).awaitTokens(1);
            List<RecordingSink> queuedDefault = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                RecordingSink s = new RecordingSink();
                e.submit(prompt(10, 20 + i), greedy(5), Priority.DEFAULT, s);
                queuedDefault.add(s);
            }
            List<RecordingSink> high = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                RecordingSink s = new RecordingSink();
                e.submit(prompt(10, 30 + i), greedy(5), Priority.HIGH, s);
                high.add(s);
            }
            for (RecordingSink s : high) {
                s.await();
            }
            for (RecordingSink s : queuedDefault) {
                s.await();
            }
            long lastHigh = Math.max(high.get(0).firstTokenOrder.get(), high.get(1).firstTokenOrder.get());
            for (RecordingSink d : queuedDefault) {
                assertTrue(d.firstTokenOrder.get() > lastHigh, "a priority request came after a queued default");
            }
            for (RecordingSink s : running) {
                assertEquals(60, s.await().size(), "preempted sequences resume and finish their output");
            }
        }
    }

    @Test
    void cancelFreesTheSlotWithinOneStep() throws Exception {
        try (InferenceEngine e = engine(1, 64, 128, EngineListener.NONE)) {
            RecordingSink first = new RecordingSink();
            GenerationHandle h = e.submit(prompt(10, 40), greedy(200), Priority.DEFAULT, first);
            first.awaitTokens(3);
            RecordingSink second = new RecordingSink();
            e.submit(prompt(10, 41), greedy(3), Priority.DEFAULT, second);
            Thread.sleep(50);
            assertEquals(1, e.waiting(), "the second request waits for the only slot");
            int tokensAtCancel = first.count();
            h.cancel();
            assertEquals(FinishReason.ABORT, first.done.get(60, java.util.concurrent.TimeUnit.SECONDS));
            // only the step already running when cancel() was called may still emit a token
            assertTrue(first.count() <= tokensAtCancel + 1, "the sequence left within one step");
            second.scheduled.get(60, java.util.concurrent.TimeUnit.SECONDS);
            int tokensAtAbort = first.count();
            assertEquals(3, second.await().size());
            assertEquals(tokensAtAbort, first.count(), "no token after the abort");
        }
    }

    @Test
    void prefixCacheHitsReportCachedTokensAndChangeNoToken() throws Exception {
        int[] system = prompt(96, 50);
        int[] a = concat(system, prompt(17, 51));
        int[] b = concat(system, prompt(9, 52));
        List<List<Integer>> reference = alone(List.of(new Job(a, 8, Priority.DEFAULT),
                new Job(b, 8, Priority.DEFAULT), new Job(a, 8, Priority.DEFAULT)));
        try (InferenceEngine e = engine(3, 32, 64, EngineListener.NONE)) {
            RecordingSink first = new RecordingSink();
            e.submit(a, greedy(8), Priority.DEFAULT, first);
            assertEquals(reference.get(0), first.await());
            assertEquals(0, first.cachedPromptTokens);
            // a finished slot keeps its tokens: the shared 96-token prefix is reused (whole 16-token blocks)
            RecordingSink second = new RecordingSink();
            e.submit(b, greedy(8), Priority.DEFAULT, second);
            assertEquals(reference.get(1), second.await());
            assertEquals(96, second.cachedPromptTokens);
            // the same prompt again: everything but the last token is reused (its slot survived the second)
            RecordingSink third = new RecordingSink();
            e.submit(a, greedy(8), Priority.DEFAULT, third);
            assertEquals(reference.get(2), third.await());
            assertEquals(a.length - 1, third.cachedPromptTokens);
        }
    }

    @Test
    void prefixIsCopiedFromARunningSequence() throws Exception {
        int[] system = prompt(80, 60);
        int[] a = concat(system, prompt(5, 61));
        int[] b = concat(system, prompt(6, 62));
        List<List<Integer>> reference = alone(List.of(new Job(b, 6, Priority.DEFAULT)));
        try (InferenceEngine e = engine(2, 64, 128, EngineListener.NONE)) {
            RecordingSink running = new RecordingSink();
            e.submit(a, greedy(100), Priority.DEFAULT, running);
            running.awaitTokens(2);
            RecordingSink second = new RecordingSink();
            e.submit(b, greedy(6), Priority.DEFAULT, second);
            assertEquals(reference.get(0), second.await());
            assertEquals(80, second.cachedPromptTokens, "the prefix was copied from the running slot");
            assertEquals(100, running.await().size());
        }
    }

    @Test
    void aFullQueueRefusesAtOnceAndAWaitPastTheTimeoutIsRefusedLater() throws Exception {
        try (InferenceEngine e = new InferenceEngine(model, NDManager.newBaseManager(Device.cpu()),
                new EngineSettings(1, 256, 64, 128, 0, 1, Duration.ofMillis(100)), EngineListener.NONE)) {
            RecordingSink running = new RecordingSink();
            e.submit(prompt(10, 70), greedy(240), Priority.DEFAULT, running);
            running.scheduled.get(60, java.util.concurrent.TimeUnit.SECONDS);
            RecordingSink waiting = new RecordingSink();
            e.submit(prompt(10, 71), greedy(3), Priority.DEFAULT, waiting);
            EngineOverloadedException full = org.junit.jupiter.api.Assertions.assertThrows(
                    EngineOverloadedException.class,
                    () -> e.submit(prompt(10, 72), greedy(3), Priority.DEFAULT, new RecordingSink()));
            assertTrue(full.retryAfterSeconds() >= 1);
            java.util.concurrent.ExecutionException timedOut = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> waiting.await());
            assertTrue(timedOut.getCause() instanceof EngineOverloadedException, timedOut.toString());
            assertEquals(List.of(), waiting.tokens());
            // the running sequence is untouched, and the queue has room again
            RecordingSink later = new RecordingSink();
            e.submit(prompt(10, 73), greedy(2), Priority.HIGH, later);
            assertEquals(2, later.await().size());
            assertEquals(240, running.await().size());
        }
    }

    private static int[] concat(int[] x, int[] y) {
        int[] out = java.util.Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }
}
