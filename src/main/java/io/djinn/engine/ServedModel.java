package io.djinn.engine;

import io.djinn.model.ModelConfig;
import io.djinn.tokenizer.ChatTemplate;
import io.djinn.tokenizer.IncrementalDetokenizer;
import io.djinn.tokenizer.Tokenizer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loaded model as the API sees it: its id, tokenizer, chat template and engine. Generation is exposed as a
 * {@link Multi} of text events fed by the engine thread; cancelling the subscription cancels the sequence.
 */
public final class ServedModel implements AutoCloseable {

    private final String id;
    private final ModelConfig config;
    private final Tokenizer tokenizer;
    private final ChatTemplate chatTemplate;
    private final GenerationConfig generationConfig;
    private final InferenceEngine engine;
    private final long createdEpochSeconds = System.currentTimeMillis() / 1000;
    private final AtomicLong abortedSequences = new AtomicLong();

    public ServedModel(String id, ModelConfig config, Tokenizer tokenizer, ChatTemplate chatTemplate,
            GenerationConfig generationConfig, InferenceEngine engine) {
        this.id = id;
        this.config = config;
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
        this.generationConfig = generationConfig;
        this.engine = engine;
    }

    public String id() {
        return id;
    }

    public ModelConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    public int maxContext() {
        return engine.maxContext();
    }

    public long createdEpochSeconds() {
        return createdEpochSeconds;
    }

    /** Sequences the engine retired because their client went away (it stops decoding them that step). */
    public long abortedSequences() {
        return abortedSequences.get();
    }

    /**
     * Generates from a tokenized prompt. The stream emits {@link TextEvent.Delta}s as text becomes printable
     * (multi-byte characters are never split) and ends with one {@link TextEvent.Finished}.
     */
    public Multi<TextEvent> generate(int[] prompt, SamplingParams params, Priority priority) {
        return Multi.createFrom().<TextEvent>emitter(emitter -> {
            IncrementalDetokenizer detokenizer = new IncrementalDetokenizer(tokenizer, params.skipSpecialTokens());
            GenerationHandle handle = engine.submit(prompt, params, priority,
                    new EmittingSink(emitter, detokenizer, prompt.length, abortedSequences));
            emitter.onTermination(handle::cancel);
        }, BackPressureStrategy.BUFFER)
                // The engine thread only hands events over; rendering them (JSON, SSE) happens on workers.
                .emitOn(Infrastructure.getDefaultWorkerPool());
    }

    @Override
    public void close() {
        engine.close();
        tokenizer.close();
    }

    /** Turns engine callbacks into stream events; runs on the engine thread. */
    private static final class EmittingSink implements TokenSink {
        private final MultiEmitter<? super TextEvent> emitter;
        private final IncrementalDetokenizer detokenizer;
        private final int promptTokens;
        private final AtomicLong aborted;
        private int completionTokens;
        private int cachedTokens;

        EmittingSink(MultiEmitter<? super TextEvent> emitter, IncrementalDetokenizer detokenizer, int promptTokens,
                AtomicLong aborted) {
            this.emitter = emitter;
            this.aborted = aborted;
            this.detokenizer = detokenizer;
            this.promptTokens = promptTokens;
        }

        @Override
        public void onScheduled(int cachedPromptTokens) {
            cachedTokens = cachedPromptTokens;
        }

        @Override
        public boolean onToken(int tokenId, TokenLogprobs logprobs) {
            completionTokens++;
            emitter.emit(new TextEvent.Delta(detokenizer.append(tokenId), new int[] {tokenId},
                    logprobs == null ? List.of() : List.of(logprobs)));
            return true;
        }

        @Override
        public void onFinish(FinishReason reason) {
            if (reason == FinishReason.ABORT) {
                aborted.incrementAndGet();
            }
            String rest = detokenizer.flush();
            if (!rest.isEmpty()) {
                emitter.emit(new TextEvent.Delta(rest, new int[0], List.of()));
            }
            emitter.emit(new TextEvent.Finished(reason, promptTokens, completionTokens, cachedTokens));
            emitter.complete();
        }

        @Override
        public void onError(Throwable error) {
            emitter.fail(error);
        }
    }
}
