package io.djinn.api;

import io.djinn.common.ApiException;
import io.djinn.common.Json;
import io.djinn.auth.Caller;
import io.djinn.config.DjinnConfig;
import io.djinn.engine.Priority;
import io.djinn.engine.SamplingParams;
import io.djinn.engine.ServedModel;
import io.djinn.engine.TextEvent;
import io.djinn.engine.TokenLogprobs;
import io.djinn.ratelimit.RequestAdmission;
import io.djinn.ratelimit.Reservation;
import io.djinn.serving.ModelHost;
import io.djinn.tokenizer.Tokenizer;
import io.djinn.toolcall.AssistantAccumulator;
import io.djinn.toolcall.AssistantMessage;
import io.djinn.toolcall.AssistantOutputParser;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The chat-completions use case: request → prompt tokens → engine → OpenAI-shaped JSON or SSE. Everything that can
 * refuse a request happens in {@link #prepare} before any byte of the response is written.
 */
@ApplicationScoped
public class ChatCompletions {

    private final ModelHost host;
    private final RequestParser parser;
    private final DjinnConfig config;
    private final RequestAdmission admission;

    public ChatCompletions(ModelHost host, RequestParser parser, DjinnConfig config, RequestAdmission admission) {
        this.host = host;
        this.parser = parser;
        this.config = config;
        this.admission = admission;
    }

    /**
     * A request that passed every check and is ready to run.
     *
     * @param choiceParams one entry per choice (they differ only in their seed)
     * @param echo         text each choice's content starts with (echo of the final assistant message), or null
     */
    record Prepared(ChatCompletionRequest request, ServedModel model, int[] prompt, List<SamplingParams> choiceParams,
            Priority priority, String serviceTier, String echo, OutputShaping.Plan shaping) {}

    public Uni<HttpReply> handle(byte[] body, Caller caller) {
        Prepared p;
        Reservation admitted;
        try {
            p = prepare(body);
            int maxOutput = 0;
            for (SamplingParams params : p.choiceParams()) {
                maxOutput += params.maxTokens();
            }
            admitted = admission.admit(caller, p.model().id(), p.prompt().length, maxOutput, p.priority());
        } catch (ApiException e) {
            return Uni.createFrom().item(error(e));
        }
        ChunkStream.Header header = new ChunkStream.Header(
                "chatcmpl-" + UUID.randomUUID().toString().replace("-", ""), System.currentTimeMillis() / 1000,
                p.model().id(), fingerprint(p.model()), p.serviceTier());
        List<Multi<TextEvent>> generations = new ArrayList<>();
        for (SamplingParams params : p.choiceParams()) {
            generations.add(p.model().generate(p.prompt(), params, p.priority()));
        }
        List<Multi<TextEvent>> choices = admitted.track(generations);
        LogprobsRenderer logprobs = Boolean.TRUE.equals(p.request().logprobs())
                ? new LogprobsRenderer(p.model().tokenizer(), topLogprobs(p.request())) : null;
        if (p.request().streaming()) {
            ChunkStream stream = new ChunkStream(header, choices.size(), p.prompt().length,
                    p.request().streamOptions(), p.echo(), logprobs, p.shaping());
            // The status is decided once the engine has taken every choice and produced its first event: a request it
            // refuses (queue full, queue timeout) still gets its 503 before the stream exists.
            // When one choice is refused, the choices that already started are cancelled: nobody will read them.
            List<Multi<TextEvent>> opened = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Uni<Multi<TextEvent>>> started = new ArrayList<>();
            for (Multi<TextEvent> choice : choices) {
                started.add(StreamStart.firstEvent(choice).invoke(opened::add));
            }
            return Uni.join().all(started).andFailFast().map(running -> HttpReply.eventStream(
                    KeepAlive.wrap(stream.render(running), config.api().keepAliveInterval()))
                    .withHeaders(admitted.headers()))
                    .onFailure().invoke(t -> {
                        synchronized (opened) {
                            opened.forEach(m -> m.subscribe().with(e -> { }).cancel());
                        }
                    })
                    .onFailure().recoverWithItem(t -> error(ErrorMapper.toApiException(t)));
        }
        List<Uni<ChoiceResult>> results = new ArrayList<>();
        for (int i = 0; i < choices.size(); i++) {
            int index = i;
            results.add(choices.get(i).collect().asList().map(events -> ChoiceResult.of(index, events, p.echo(),
                    logprobs, p.shaping())));
        }
        return Uni.join().all(results).andFailFast().map(list -> {
            List<ChatCompletion.Choice> out = new ArrayList<>();
            int completion = 0;
            int cached = 0;
            for (ChoiceResult r : list) {
                out.add(r.choice());
                completion += r.end().completionTokens();
                cached = Math.max(cached, r.end().cachedTokens());
            }
            int prompt = p.prompt().length;
            ChatCompletion c = new ChatCompletion(header.id(), "chat.completion", header.created(), header.model(),
                    header.fingerprint(), header.serviceTier(), out, Usage.of(prompt, completion,
                            Math.min(prompt, cached)));
            return HttpReply.json(200, Json.write(c), admitted.headers());
        }).onFailure().recoverWithItem(t -> error(ErrorMapper.toApiException(t)));
    }

    /** One finished choice of a non-streamed answer. */
    private record ChoiceResult(ChatCompletion.Choice choice, TextEvent.Finished end) {
        /**
         * The same parser a stream uses, fed the same deltas and accumulated the way a client accumulates a stream:
         * streamed and non-streamed answers are the same message by construction.
         */
        static ChoiceResult of(int index, List<TextEvent> events, String echo, LogprobsRenderer renderer,
                OutputShaping.Plan shaping) {
            AssistantOutputParser parser = shaping.parser();
            AssistantAccumulator message = new AssistantAccumulator();
            List<TokenLogprobs> logprobs = new ArrayList<>();
            TextEvent.Finished end = null;
            for (TextEvent e : events) {
                if (e instanceof TextEvent.Delta d) {
                    message.add(parser.feed(d.text()));
                    logprobs.addAll(d.logprobs());
                } else if (e instanceof TextEvent.Finished f) {
                    end = f;
                }
            }
            if (end == null) {
                throw new IllegalStateException("generation ended without a finish event");
            }
            AssistantMessage m = message.add(parser.finish()).message();
            ChoiceLogprobs lp = renderer == null ? null : new ChoiceLogprobs(renderer.render(logprobs), null);
            String content = (echo == null ? "" : echo) + m.content();
            List<ChatCompletion.ToolCall> calls = new ArrayList<>();
            for (var c : m.toolCalls()) {
                calls.add(new ChatCompletion.ToolCall(c.id(), "function",
                        new ChatCompletion.ToolCall.Function(c.name(), c.arguments())));
            }
            String reasoning = shaping.includeReasoning() && !m.reasoning().isEmpty() ? m.reasoning() : null;
            return new ChoiceResult(new ChatCompletion.Choice(index, new ChatCompletion.Message("assistant",
                    content.isEmpty() && !calls.isEmpty() ? null : content, null, reasoning, reasoning, calls), lp,
                    ChunkStream.finishReason(end, !calls.isEmpty())), end);
        }
    }

    Prepared prepare(byte[] body) {
        ChatCompletionRequest req = parser.parse(body, ChatCompletionRequest.class, UnsupportedParameters::check);
        if (req.streamOptions() != null && !req.streaming()) {
            throw ApiException.invalidParam("stream_options",
                    "'stream_options' is only allowed when 'stream' is true.");
        }
        if (req.topLogprobs() != null && req.topLogprobs() > 0 && !Boolean.TRUE.equals(req.logprobs())) {
            throw ApiException.invalidParam("top_logprobs", "'top_logprobs' requires 'logprobs' to be true.");
        }
        ServedModel model = host.ready()
                .orElseThrow(() -> ApiException.modelUnavailable(host.failure(), host.loading()));
        if (req.model() != null && host.find(req.model()).isEmpty()) {
            throw ApiException.modelNotFound(req.model(), host.servedNames());
        }
        Tokenizer tokenizer = model.tokenizer();
        ChatPrompts.ChatPrompt chat = ChatPrompts.build(req.promptSpec(), model, parser.limits(),
                req.truncatePromptTokens() == null);
        int context = model.maxContext();
        int[] prompt = truncate(chat.tokens(), req, context);
        if (prompt.length == 0) {
            throw ApiException.badRequest("messages", "empty_prompt", "The rendered prompt has no tokens.");
        }
        if (prompt.length >= context) {
            throw ApiException.badRequest("messages", "context_length_exceeded", "This model's maximum context "
                    + "length is " + context + " tokens, but the messages take " + prompt.length
                    + " tokens, leaving no room for output. Shorten the messages or set 'truncate_prompt_tokens'.");
        }
        int room = context - prompt.length;
        int cap = config.model().maxOutputTokens();
        Integer asked = req.requestedMaxTokens();
        String maxParam = req.maxTokensParam();
        if (asked != null && asked > cap) {
            throw ApiException.invalidParam(maxParam, "'" + maxParam + "' is " + asked + ", but this model generates "
                    + "at most " + cap + " tokens per request; the valid range is [1, " + cap + "].");
        }
        if (asked != null && asked > room) {
            throw ApiException.badRequest(maxParam, "context_length_exceeded", "This model's maximum context length "
                    + "is " + context + " tokens. The messages take " + prompt.length + " tokens and " + maxParam
                    + " asks for " + asked + ", which is " + (prompt.length + asked) + " in total.");
        }
        int maxTokens = asked != null ? asked : Math.min(cap, room);
        int minTokens = req.minTokens() != null ? req.minTokens() : 0;
        if (minTokens > maxTokens) {
            throw ApiException.invalidParam("min_tokens", "'min_tokens' (" + minTokens + ") must not exceed the "
                    + "maximum output length (" + maxTokens + ").");
        }
        OutputShaping.Plan shaping = OutputShaping.plan(req, model, config.model(), chat.text());
        var eos = model.generationConfig().eosTokenIds();
        int shortest = shaping.minTokens();
        if (shortest > 0 && shortest + 1 > maxTokens) {
            throw ApiException.invalidParam(maxParam, "The output must follow '" + shaping.grammarSource()
                    + "', whose shortest document takes " + shortest + " tokens plus one to end it, but at most "
                    + maxTokens + " may be generated.");
        }
        // Ids the model can produce and the tokenizer can spell.
        int vocab = Math.min(tokenizer.vocabSize(), model.config().vocabSize());
        var gen = model.generationConfig();
        double temperature = req.temperature() != null ? req.temperature()
                : gen.temperature() != null ? gen.temperature() : 1.0;
        double topP = req.topP() != null ? req.topP() : gen.topP() != null ? gen.topP() : 1.0;
        int topK = req.topK() != null ? req.topK() : gen.topK() != null ? gen.topK() : 0;
        SamplingParams base = SamplingParams.builder().temperature(temperature).topP(topP).topK(topK)
                .minP(orZero(req.minP())).presencePenalty(orZero(req.presencePenalty()))
                .frequencyPenalty(orZero(req.frequencyPenalty()))
                .repetitionPenalty(req.repetitionPenalty() != null ? req.repetitionPenalty() : 1.0)
                .logitBias(logitBias(req, vocab)).badWords(badWords(req, tokenizer)).minTokens(minTokens)
                .seed(req.seed()).maxTokens(maxTokens).eosTokenIds(gen.eosTokenIds())
                .stopTokenIds(stopTokenIds(req, vocab)).ignoreEos(Boolean.TRUE.equals(req.ignoreEos()))
                .logprobs(Boolean.TRUE.equals(req.logprobs()) ? topLogprobs(req) : -1).stop(stops(req))
                .includeStopStrInOutput(Boolean.TRUE.equals(req.includeStopStrInOutput()))
                .skipSpecialTokens(!Boolean.FALSE.equals(req.skipSpecialTokens()) && !shaping.keepsSpecialTokens())
                .constraint(shaping.constraint(eos))
                .spacesBetweenSpecialTokens(!Boolean.FALSE.equals(req.spacesBetweenSpecialTokens())).build();
        List<SamplingParams> choices = new ArrayList<>();
        for (int i = 0; i < req.choices(); i++) {
            choices.add(i == 0 || req.seed() == null ? base : base.toBuilder().seed(choiceSeed(req.seed(), i)).build());
        }
        boolean priority = "priority".equals(req.serviceTier());
        String echo = Boolean.TRUE.equals(req.echo()) ? chat.finalAssistantText() : null;
        return new Prepared(req, model, prompt, choices, priority ? Priority.HIGH : Priority.DEFAULT,
                priority ? "priority" : "default", echo, shaping);
    }

    /**
     * Choice i of a seeded request samples with seed + i: choice 0 is what the same request with n = 1 gives, and
     * every choice is reproducible on its own.
     */
    static long choiceSeed(long seed, int choice) {
        return seed + choice;
    }

    private static int[] truncate(int[] prompt, ChatCompletionRequest req, int context) {
        Integer keep = req.truncatePromptTokens();
        if (keep == null) {
            return prompt;
        }
        if (keep == 0) {
            throw ApiException.invalidParam("truncate_prompt_tokens",
                    "'truncate_prompt_tokens' must be -1 (the context length) or at least 1 (got 0).");
        }
        if (keep >= context) {
            throw ApiException.invalidParam("truncate_prompt_tokens", "'truncate_prompt_tokens' is " + keep
                    + ", but the model's context length is " + context + " tokens and output needs at least one.");
        }
        // -1: keep as much of the end as leaves room for the requested output.
        int limit = keep > 0 ? keep : context - (req.requestedMaxTokens() != null ? req.requestedMaxTokens() : 1);
        if (limit < 1 || prompt.length <= limit) {
            return prompt;
        }
        return Arrays.copyOfRange(prompt, prompt.length - limit, prompt.length);
    }

    private static int topLogprobs(ChatCompletionRequest req) {
        return req.topLogprobs() != null ? req.topLogprobs() : 0;
    }

    private static double orZero(Double v) {
        return v != null ? v : 0.0;
    }

    private static List<String> stops(ChatCompletionRequest req) {
        if (req.stop() == null || req.stop().isNull()) {
            return List.of();
        }
        if (req.stop().isTextual()) {
            return List.of(req.stop().asText());
        }
        List<String> out = new ArrayList<>();
        req.stop().forEach(s -> out.add(s.asText()));
        return out;
    }

    private static Map<Integer, Float> logitBias(ChatCompletionRequest req, int vocab) {
        if (req.logitBias() == null) {
            return Map.of();
        }
        Map<Integer, Float> out = new HashMap<>();
        for (var e : req.logitBias().entrySet()) {
            int id = Integer.parseInt(e.getKey());
            if (id >= vocab) {
                throw ApiException.invalidParam("logit_bias", "'logit_bias' has token id " + id
                        + ", outside the vocabulary [0, " + vocab + ").");
            }
            out.put(id, e.getValue().floatValue());
        }
        return out;
    }

    private static int[] stopTokenIds(ChatCompletionRequest req, int vocab) {
        if (req.stopTokenIds() == null) {
            return new int[0];
        }
        int[] out = new int[req.stopTokenIds().size()];
        for (int i = 0; i < out.length; i++) {
            int id = req.stopTokenIds().get(i);
            if (id >= vocab) {
                throw ApiException.invalidParam("stop_token_ids", "'stop_token_ids' has token id " + id
                        + ", outside the vocabulary [0, " + vocab + ").");
            }
            out[i] = id;
        }
        return out;
    }

    /**
     * vLLM's tokenization of bad words: each word as written (leading spaces stripped) and, when that gives a
     * different first token of the same length, with one leading space, so the word is banned at the start of the
     * text and after a space alike.
     */
    static List<int[]> badWords(ChatCompletionRequest req, Tokenizer tokenizer) {
        if (req.badWords() == null) {
            return List.of();
        }
        List<int[]> out = new ArrayList<>();
        for (String word : req.badWords()) {
            String bare = word.stripLeading();
            if (bare.isEmpty()) {
                throw ApiException.invalidParam("bad_words", "'bad_words' holds a word that is only whitespace.");
            }
            int[] plain = tokenizer.encode(bare);
            out.add(plain);
            int[] spaced = tokenizer.encode(" " + bare);
            if (spaced.length == plain.length && spaced[0] != plain[0]) {
                out.add(spaced);
            }
        }
        return out;
    }

    static String fingerprint(ServedModel model) {
        return "fp_djinn_" + Integer.toHexString(model.id().hashCode() ^ model.config().hashCode());
    }

    static HttpReply error(ApiException e) {
        return HttpReply.json(e.status(), Json.write(e.body()), e.headers());
    }
}
