package io.djinn.serving;

import io.djinn.engine.FinishReason;
import io.djinn.engine.GenerationConfig;
import io.djinn.engine.GenerationHandle;
import io.djinn.engine.GenerationTracer;
import io.djinn.engine.InferenceEngine;
import io.djinn.engine.Priority;
import io.djinn.engine.SamplingParams;
import io.djinn.engine.StopStringMatcher;
import io.djinn.engine.TextEvent;
import io.djinn.engine.TokenLogprobs;
import io.djinn.engine.TokenSink;

import io.djinn.model.ModelConfig;
import io.djinn.tokenizer.ChatTemplate;
import io.djinn.tokenizer.IncrementalDetokenizer;
import io.djinn.tokenizer.Tokenizer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.util.List;

/**
 * A loaded model as the API sees it: its id, tokenizer, chat template, engine and output shaping (built here, at
 * load). Generation is exposed as a {@link Multi} of text events fed by the engine thread; cancelling the
 * subscription cancels the sequence. It lives in {@code serving}, not in the engine, because it joins the engine to
 * the tokenizer and to Mutiny: the engine itself knows neither.
 */
public final class ServedModel implements AutoCloseable {

    private final String id;
    private final ModelConfig config;
    private final Tokenizer tokenizer;
    private final ChatTemplate chatTemplate;
    private final GenerationConfig generationConfig;
    private final InferenceEngine engine;
    private final long createdEpochSeconds = System.currentTimeMillis() / 1000;
    private final OutputShaping outputShaping;
    private volatile GenerationTracer tracer = GenerationTracer.NONE;

    /** With tool-call format and thinking markers detected from the chat template and tokenizer. */
    public ServedModel(String id, ModelConfig config, Tokenizer tokenizer, ChatTemplate chatTemplate,
            GenerationConfig generationConfig, InferenceEngine engine) {
        this(id, config, tokenizer, chatTemplate, generationConfig, engine, OutputShaping.Settings.DETECT);
    }

    public ServedModel(String id, ModelConfig config, Tokenizer tokenizer, ChatTemplate chatTemplate,
            GenerationConfig generationConfig, InferenceEngine engine, OutputShaping.Settings shaping) {
        this.id = id;
        this.config = config;
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
        this.generationConfig = generationConfig;
        this.engine = engine;
        this.outputShaping = new OutputShaping(tokenizer, chatTemplate, config.vocabSize(),
                generationConfig.eosTokenIds(), shaping);
    }

    /** What this model offers for shaping output (grammars, tool-call format, reasoning), built at load. */
    public OutputShaping outputShaping() {
        return outputShaping;
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

    /**
     * Generates from a tokenized prompt. The stream emits one {@link TextEvent.Delta} per generated token, carrying
     * the text that became printable (multi-byte characters are never split; text that may still become a stop
     * string is held back), and ends with one {@link TextEvent.Finished}. As in vLLM, the text of a stop token
     * (EOS or a stop_token_id) and a matched stop string are left out unless include_stop_str_in_output, and stop
     * strings are looked for only once more than min_tokens tokens were generated.
     *
     * @throws IllegalArgumentException when a token id in the parameters is outside the vocabulary
     */
    public Multi<TextEvent> generate(int[] prompt, SamplingParams params, Priority priority) {
        checkTokenIds(params);
        return Multi.createFrom().<TextEvent>emitter(emitter -> {
            IncrementalDetokenizer detokenizer = new IncrementalDetokenizer(tokenizer, params.skipSpecialTokens(),
                    params.spacesBetweenSpecialTokens());
            GenerationHandle handle = engine.submit(prompt, params, priority,
                    new EmittingSink(emitter, detokenizer, params, prompt.length, tracer.start(id, prompt.length)));
            emitter.onTermination(handle::cancel);
        }, BackPressureStrategy.BUFFER)
                // The engine thread only hands events over; rendering them (JSON, SSE) happens on workers.
                .emitOn(Infrastructure.getDefaultWorkerPool());
    }

    private void checkTokenIds(SamplingParams params) {
        int vocab = config.vocabSize();
        for (int id : params.logitBias().keySet()) {
            checkTokenId(id, vocab, "logit_bias");
        }
        for (int[] word : params.badWords()) {
            for (int id : word) {
                checkTokenId(id, vocab, "bad_words");
            }
        }
        for (int id : params.stopTokenIds()) {
            checkTokenId(id, vocab, "stop_token_ids");
        }
    }

    private static void checkTokenId(int id, int vocab, String what) {
        if (id < 0 || id >= vocab) {
            throw new IllegalArgumentException(what + " names token id " + id + ", outside the vocabulary of "
                    + vocab);
        }
    }

    /** Where each sequence's trace goes (request spans); none by default. */
    public void tracer(GenerationTracer tracer) {
        this.tracer = tracer;
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
        private final SamplingParams params;
        private final StopStringMatcher stops;
        private final int promptTokens;
        private final GenerationTracer.Trace trace;
        private int completionTokens;
        private int cachedTokens;
        private boolean stopped;

        EmittingSink(MultiEmitter<? super TextEvent> emitter, IncrementalDetokenizer detokenizer,
                SamplingParams params, int promptTokens, GenerationTracer.Trace trace) {
            this.emitter = emitter;
            this.trace = trace;
            this.detokenizer = detokenizer;
            this.params = params;
            this.stops = new StopStringMatcher(params.stop(), params.includeStopStrInOutput());
            this.promptTokens = promptTokens;
        }

        @Override
        public void onScheduled(int cachedPromptTokens) {
            cachedTokens = cachedPromptTokens;
            trace.scheduled(cachedPromptTokens);
        }

        @Override
        public boolean onToken(int tokenId, TokenLogprobs logprobs) {
            if (completionTokens++ == 0) {
                trace.firstToken();
            }
            String text;
            if (params.isStopToken(tokenId) && !params.includeStopStrInOutput()) {
                // The stop token ends the text: only what the detokenizer still held back goes out.
                text = stops.append(detokenizer.flush()).text();
            } else {
                String decoded = detokenizer.append(tokenId);
                if (stops.active() && completionTokens > params.minTokens()) {
                    StopStringMatcher.Step step = stops.append(decoded);
                    text = step.text();
                    stopped = step.stopped();
                } else {
                    text = decoded;
                }
            }
            emitter.emit(new TextEvent.Delta(text, new int[] {tokenId},
                    logprobs == null ? List.of() : List.of(logprobs)));
            return !stopped;
        }

        @Override
        public void onFinish(FinishReason reason) {
            if (!stopped) {
                String rest = stops.append(detokenizer.flush()).text() + stops.flush();
                if (!rest.isEmpty()) {
                    emitter.emit(new TextEvent.Delta(rest, new int[0], List.of()));
                }
            }
            trace.finished(reason, completionTokens);
            emitter.emit(new TextEvent.Finished(reason, promptTokens, completionTokens, cachedTokens));
            emitter.complete();
        }

        @Override
        public void onError(Throwable error) {
            trace.failed(error);
            emitter.fail(error);
        }
    }
}
