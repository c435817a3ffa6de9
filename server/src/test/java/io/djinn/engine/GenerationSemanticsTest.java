package io.djinn.engine;

import io.djinn.serving.ServedModel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.djinn.common.DjlEnvironment;
import io.djinn.checkpoint.CheckpointGenerator;
import io.djinn.checkpoint.CheckpointSpec;
import io.djinn.model.Architecture;
import io.djinn.model.LlamaModel;
import io.djinn.tokenizer.Tokenizer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stop strings, stop token ids, logprobs and seeds through the engine and {@link ServedModel}'s stream. */
class GenerationSemanticsTest {

    @TempDir
    static Path tmp;
    static ServedModel model;
    static Tokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        DjlEnvironment.init();
        Path dir = tmp.resolve("tiny");
        CheckpointGenerator.generate(CheckpointSpec.tiny(Architecture.LLAMA), dir);
        LlamaModel lm = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32);
        tokenizer = Tokenizer.load(dir);
        InferenceEngine engine = new InferenceEngine(lm, NDManager.newBaseManager(Device.cpu()), 4, 256, 512);
        model = new ServedModel("tiny", lm.config(), tokenizer, tokenizer.chatTemplate(),
                GenerationConfig.read(dir), engine);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    record Run(List<TextEvent.Delta> deltas, TextEvent.Finished finished) {
        String text() {
            StringBuilder b = new StringBuilder();
            deltas.forEach(d -> b.append(d.text()));
            return b.toString();
        }

        int[] tokens() {
            return deltas.stream().flatMapToInt(d -> IntStream.of(d.tokenIds())).toArray();
        }
    }

    static Run collect(Multi<TextEvent> events) {
        List<TextEvent> all = events.collect().asList().await().atMost(Duration.ofSeconds(60));
        List<TextEvent.Delta> deltas = new ArrayList<>();
        for (int i = 0; i < all.size() - 1; i++) {
            deltas.add((TextEvent.Delta) all.get(i));
        }
        return new Run(deltas, (TextEvent.Finished) all.getLast());
    }

    static Run generate(String prompt, SamplingParams p) {
        return collect(model.generate(tokenizer.encode(prompt), p, Priority.DEFAULT));
    }

    static SamplingParams.Builder greedy(int maxTokens) {
        return SamplingParams.builder().temperature(0).maxTokens(maxTokens).ignoreEos(true)
                .eosTokenIds(model.generationConfig().eosTokenIds());
    }

    @Test
    void stopStringAcrossTokenBoundaryIsCutAndNeverLeaks() {
        String prompt = "Once upon a time";
        Run base = generate(prompt, greedy(32).build());
        assertEquals(32, base.tokens().length);
        // one delta per token: pick two adjacent tokens that both print, and a stop string spanning them
        int i = -1;
        for (int t = 3; t + 1 < base.deltas().size() && i < 0; t++) {
            String a = base.deltas().get(t).text();
            String b = base.deltas().get(t + 1).text();
            if (!a.isEmpty() && !b.isEmpty() && !Character.isSurrogate(a.charAt(a.length() - 1))
                    && !Character.isSurrogate(b.charAt(0))) {
                i = t;
            }
        }
        assertTrue(i > 0, "no two adjacent printing tokens in " + base.text());
        String stop = base.deltas().get(i).text().substring(base.deltas().get(i).text().length() - 1)
                + base.deltas().get(i + 1).text().charAt(0);
        String full = base.text();
        int at = full.indexOf(stop);

        Run cut = generate(prompt, greedy(32).stop(List.of(stop, "never-printed-zzz")).build());
        assertEquals(full.substring(0, at), cut.text());
        assertFalse(cut.text().contains(stop));
        assertEquals(FinishReason.STOP, cut.finished().reason());
        assertTrue(cut.tokens().length <= i + 2 && cut.tokens().length < base.tokens().length);
        assertArrayEquals(java.util.Arrays.copyOf(base.tokens(), cut.tokens().length), cut.tokens());
        // hold-back: while streaming, the released text never reached into the stop string's first character
        StringBuilder released = new StringBuilder();
        for (TextEvent.Delta d : cut.deltas()) {
            released.append(d.text());
            assertTrue(released.length() <= at, "leaked '" + released + "'");
        }

        Run kept = generate(prompt, greedy(32).stop(List.of(stop)).includeStopStrInOutput(true).build());
        assertEquals(full.substring(0, at + stop.length()), kept.text());
        assertEquals(FinishReason.STOP, kept.finished().reason());
        assertEquals(cut.finished().completionTokens(), kept.finished().completionTokens());
    }

    @Test
    void stopTokenIdsEndWithStopEvenWithIgnoreEosAndMinTokensDelaysThem() {
        String prompt = "The weather today";
        Run base = generate(prompt, greedy(24).build());
        int[] tokens = base.tokens();
        int stopId = tokens[6];
        int first = IntStream.range(0, tokens.length).filter(j -> tokens[j] == stopId).findFirst().orElseThrow();
        Run stopped = generate(prompt, greedy(24).stopTokenIds(new int[] {stopId}).build());
        assertEquals(FinishReason.STOP, stopped.finished().reason());
        assertEquals(first + 1, stopped.finished().completionTokens());
        assertEquals(stopId, stopped.tokens()[first], "the stop token is reported as a token");
        assertEquals(tokenizer.decode(java.util.Arrays.copyOf(tokens, first), true), stopped.text(),
                "its text is not");

        Run delayed = generate(prompt, greedy(24).stopTokenIds(new int[] {stopId}).minTokens(first + 3).build());
        for (int j = 0; j < first + 3 - 1; j++) {
            assertNotEquals(stopId, delayed.tokens()[j], "stop token generated before min_tokens at " + j);
        }
    }

    @Test
    void deltasCarryTheirTokensAndLogprobs() {
        Run run = generate("Logprobs", greedy(10).logprobs(3).logitBias(Map.of(100, 2f)).build());
        assertEquals(10, run.tokens().length);
        for (TextEvent.Delta d : run.deltas()) {
            assertEquals(d.tokenIds().length, d.logprobs().size());
            for (int j = 0; j < d.tokenIds().length; j++) {
                TokenLogprobs lp = d.logprobs().get(j);
                assertEquals(d.tokenIds()[j], lp.tokenId());
                assertEquals(3, lp.topIds().length);
                assertTrue(lp.logprob() <= 0 && lp.topLogprobs()[0] >= lp.topLogprobs()[2]);
                assertTrue(lp.logprob() <= lp.topLogprobs()[0] + 1e-6);
            }
        }
        assertTrue(generate("Logprobs", greedy(4).build()).deltas().stream().allMatch(d -> d.logprobs().isEmpty()));
    }

    /** The same seed gives the same sampled tokens alone and sharing batches with other sequences. */
    @Test
    void seededSamplingIsTheSameAloneAndInABatch() {
        SamplingParams seeded = SamplingParams.builder().temperature(1.0).topP(0.95).minP(0.01)
                .presencePenalty(0.3).repetitionPenalty(1.1).seed(1234L).maxTokens(16).build();
        String prompt = "Seeded story";
        int[] alone = generate(prompt, seeded).tokens();
        assertEquals(16, alone.length);

        List<Multi<TextEvent>> streams = List.of(
                model.generate(tokenizer.encode("A much longer prompt that needs more prefill work"),
                        SamplingParams.builder().temperature(1.2).maxTokens(20).build(), Priority.DEFAULT),
                model.generate(tokenizer.encode(prompt), seeded, Priority.DEFAULT),
                model.generate(tokenizer.encode("Other"), greedy(20).frequencyPenalty(1).badWords(List.of(new int[]
                        {5})).build(), Priority.DEFAULT),
                model.generate(tokenizer.encode("More"), SamplingParams.builder().temperature(0.7).topK(5)
                        .logprobs(2).maxTokens(18).build(), Priority.DEFAULT));
        // all four subscribed at once, so they share the engine's batches
        List<Run> runs = Uni.join().all(streams.stream().map(m -> m.collect().asList()).toList()).andFailFast()
                .await().atMost(Duration.ofSeconds(60)).stream().map(events -> {
                    List<TextEvent.Delta> d = new ArrayList<>();
                    events.subList(0, events.size() - 1).forEach(e -> d.add((TextEvent.Delta) e));
                    return new Run(d, (TextEvent.Finished) events.getLast());
                }).toList();
        assertEquals(4, runs.size());
        assertArrayEquals(alone, runs.get(1).tokens(), "seeded run differs when batched");
        assertEquals(20, runs.get(2).tokens().length);
        int[] otherSeed = generate(prompt, seeded.toBuilder().seed(99L).build()).tokens();
        assertFalse(java.util.Arrays.equals(alone, otherSeed), "another seed gives another sample");
    }

    /**
     * A constraint allowing, at step i, only ids congruent to i mod 7 (and completing after 12 tokens) is obeyed by
     * greedy and sampled rows alike, whatever else they ask for, batched with unconstrained sequences.
     */
    @Test
    void constraintMasksEveryStepWithAnySamplingParameters() {
        int vocab = model.config().vocabSize();
        class Modular implements TokenConstraint {
            int step;

            @Override
            public long[] allowed(int remainingTokens) {
                long[] words = new long[(vocab + 63) / 64];
                for (int id = step % 7; id < vocab; id += 7) {
                    words[id >>> 6] |= 1L << id;
                }
                return words;
            }

            @Override
            public void accept(int tokenId) {
                assertEquals(step % 7, tokenId % 7, "token " + tokenId + " at step " + step);
                step++;
            }

            @Override
            public boolean isComplete() {
                return step == 12;
            }
        }
        List<SamplingParams> variants = List.of(greedy(40).build(),
                SamplingParams.builder().temperature(1.5).topK(20).seed(3L).maxTokens(40).build(),
                SamplingParams.builder().temperature(0.8).topP(0.5).minP(0.05).presencePenalty(1.5)
                        .repetitionPenalty(1.3).logitBias(Map.of(1, 50f, 2, -50f)).seed(4L).maxTokens(40).build(),
                greedy(40).minTokens(30).badWords(List.of(new int[] {7})).build());
        List<Multi<TextEvent>> streams = new ArrayList<>();
        for (SamplingParams p : variants) {
            streams.add(model.generate(tokenizer.encode("Constrained"), p.toBuilder().constraint(Modular::new).build(),
                    Priority.DEFAULT));
        }
        streams.add(model.generate(tokenizer.encode("Free"), greedy(20).build(), Priority.DEFAULT));
        List<Run> runs = Uni.join().all(streams.stream().map(m -> m.collect().asList()).toList()).andFailFast()
                .await().atMost(Duration.ofSeconds(60)).stream().map(events -> {
                    List<TextEvent.Delta> d = new ArrayList<>();
                    events.subList(0, events.size() - 1).forEach(e -> d.add((TextEvent.Delta) e));
                    return new Run(d, (TextEvent.Finished) events.getLast());
                }).toList();
        for (int r = 0; r < variants.size(); r++) {
            int[] tokens = runs.get(r).tokens();
            assertEquals(12, tokens.length, "variant " + r + " stops when its constraint completes");
            assertEquals(FinishReason.STOP, runs.get(r).finished().reason());
            for (int i = 0; i < tokens.length; i++) {
                assertEquals(i % 7, tokens[i] % 7, "variant " + r + " token " + i);
            }
        }
        assertTrue(IntStream.of(runs.get(2).tokens()).noneMatch(t -> t == 2), "a -50 bias still applies");
        assertEquals(20, runs.get(4).tokens().length, "the unconstrained neighbour is untouched");
    }
}
