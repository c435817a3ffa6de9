package io.djinn.serving;

import io.djinn.auth.Caller;
import io.djinn.common.ApiException;
import io.djinn.config.DjinnConfig;
import io.djinn.engine.Priority;
import io.djinn.engine.SamplingParams;
import io.djinn.engine.TextEvent;
import io.djinn.engine.TokenLogprobs;
import io.djinn.ratelimit.RequestAdmission;
import io.djinn.ratelimit.Reservation;
import io.djinn.toolcall.AssistantAccumulator;
import io.djinn.toolcall.AssistantMessage;
import io.djinn.toolcall.AssistantOutputParser;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The one request path every generating endpoint shares, below HTTP: pick the model, fit the prompt and the output
 * length into the context window, plan the output's shape, map the request to the engine's parameters, admit it
 * through the caller's rate limits, run one engine sequence per choice, and hand back either the opened streams
 * (each has its first event, so a refusal is still a status code) or each choice's parsed message. Endpoints only
 * parse their request, render their prompt and write their own JSON or SSE. Everything that can refuse a request
 * happens in {@link #prepare} or {@link #start}, before any byte of the response is written.
 */
@ApplicationScoped
public class Generations {

    private final ModelHost host;
    private final DjinnConfig config;
    private final RequestAdmission admission;

    public Generations(ModelHost host, DjinnConfig config, RequestAdmission admission) {
        this.host = host;
        this.config = config;
        this.admission = admission;
    }

    /** A request that is both a sampling request and an output-shape request (every generating endpoint's). */
    public interface Request extends SamplingRequest, OutputRequest {}

    /**
     * A rendered prompt.
     *
     * @param tokens the prompt's token ids (before truncate_prompt_tokens)
     * @param text   the prompt as text (a prompt ending inside a thinking block starts in reasoning)
     * @param param  the request parameter the prompt comes from ({@code messages}, {@code prompt}, ...), for errors
     */
    public record Prompt(int[] tokens, String text, String param) {}

    /**
     * A request that passed every check and is ready to run.
     *
     * @param choiceParams one entry per choice (they differ only in their seed)
     */
    public record Prepared(ServedModel model, int[] prompt, List<SamplingParams> choiceParams, Priority priority,
            String serviceTier, OutputPlan shaping) {

        /** Output tokens reserved against the caller's limits: every choice's maximum. */
        public int maxOutputTokens() {
            int sum = 0;
            for (SamplingParams p : choiceParams) {
                sum += p.maxTokens();
            }
            return sum;
        }
    }

    /**
     * The model a request may run on: the loaded one, when the request names it or none.
     *
     * @throws ApiException 503 while loading or after a failed load, 404 for another model name
     */
    public ServedModel model(String requested) {
        ServedModel model = host.ready()
                .orElseThrow(() -> ApiException.modelUnavailable(host.failure(), host.loading()));
        if (requested != null && host.find(requested).isEmpty()) {
            throw ApiException.modelNotFound(requested, host.servedNames());
        }
        return model;
    }

    /** Checks the prompt and the output length against the model, plans the output and maps the parameters. */
    public Prepared prepare(ServedModel model, Prompt rendered, Request req) {
        int context = model.maxContext();
        int[] prompt = truncate(rendered.tokens(), req, context);
        if (prompt.length == 0) {
            throw ApiException.badRequest(rendered.param(), "empty_prompt", "The rendered prompt has no tokens.");
        }
        if (prompt.length >= context) {
            throw ApiException.badRequest(rendered.param(), "context_length_exceeded", "This model's maximum "
                    + "context length is " + context + " tokens, but the " + rendered.param() + " take "
                    + prompt.length + " tokens, leaving no room for output. Shorten the " + rendered.param()
                    + " or set 'truncate_prompt_tokens'.");
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
                    + "is " + context + " tokens. The " + rendered.param() + " take " + prompt.length + " tokens and "
                    + maxParam + " asks for " + asked + ", which is " + (prompt.length + asked) + " in total.");
        }
        int maxTokens = asked != null ? asked : Math.min(cap, room);
        int minTokens = req.minTokens() != null ? req.minTokens() : 0;
        if (minTokens > maxTokens) {
            throw ApiException.invalidParam("min_tokens", "'min_tokens' (" + minTokens + ") must not exceed the "
                    + "maximum output length (" + maxTokens + ").");
        }
        OutputPlan shaping = model.outputShaping().plan(req, rendered.text());
        int shortest = shaping.minTokens();
        if (shortest > 0 && shortest + 1 > maxTokens) {
            throw ApiException.invalidParam(maxParam, "The output must follow '" + shaping.grammarSource()
                    + "', whose shortest document takes " + shortest + " tokens plus one to end it, but at most "
                    + maxTokens + " may be generated.");
        }
        List<SamplingParams> choices = req.choiceParams(req.toSamplingParams(model, maxTokens, shaping));
        boolean priority = "priority".equals(req.serviceTier());
        return new Prepared(model, prompt, choices, priority ? Priority.HIGH : Priority.DEFAULT,
                priority ? "priority" : "default", shaping);
    }

    /**
     * Admits the request through the caller's limits and starts one engine sequence per choice.
     *
     * @throws ApiException 429 when a limit refuses it
     */
    public Running start(Prepared p, Caller caller) {
        return start(List.of(p), caller);
    }

    /**
     * Admits several prepared prompts of one request (a legacy completion with a list of prompts) as one request
     * through the caller's limits, and starts every choice of every prompt, in order.
     */
    public Running start(List<Prepared> prompts, Caller caller) {
        Prepared first = prompts.getFirst();
        int promptTokens = 0;
        int maxOutput = 0;
        for (Prepared p : prompts) {
            promptTokens += p.prompt().length;
            maxOutput += p.maxOutputTokens();
        }
        Reservation admitted = admission.admit(caller, first.model().id(), promptTokens, maxOutput,
                first.priority());
        List<Multi<TextEvent>> generations = new ArrayList<>();
        for (Prepared p : prompts) {
            for (SamplingParams params : p.choiceParams()) {
                generations.add(p.model().generate(p.prompt(), params, p.priority()));
            }
        }
        return new Running(first, admitted.track(generations), admitted.headers());
    }

    /**
     * Admitted, running choices.
     *
     * @param choices one event stream per choice, settled against the caller's reservation when it ends
     * @param headers the x-ratelimit-* headers the response carries
     */
    public record Running(Prepared prepared, List<Multi<TextEvent>> choices, Map<String, List<String>> headers) {

        /**
         * The choices once the engine has taken every one of them and each produced its first event: a request it
         * refuses (queue full, queue timeout) still fails here, before a stream exists. When one choice is refused,
         * the choices that already started are cancelled: nobody will read them.
         */
        public Uni<List<Multi<TextEvent>>> opened() {
            List<Multi<TextEvent>> opened = Collections.synchronizedList(new ArrayList<>());
            List<Uni<Multi<TextEvent>>> started = new ArrayList<>();
            for (Multi<TextEvent> choice : choices) {
                started.add(StreamStart.firstEvent(choice).invoke(opened::add));
            }
            return Uni.join().all(started).andFailFast().onFailure().invoke(t -> {
                synchronized (opened) {
                    opened.forEach(m -> m.subscribe().with(e -> { }).cancel());
                }
            });
        }

        /** Every choice run to its end and read back into one message, in choice order. */
        public Uni<List<Choice>> assembled() {
            List<Uni<Choice>> results = new ArrayList<>();
            for (int i = 0; i < choices.size(); i++) {
                int index = i;
                results.add(choices.get(i).collect().asList()
                        .map(events -> Choice.of(index, events, prepared.shaping())));
            }
            return Uni.join().all(results).andFailFast();
        }
    }

    /**
     * One finished choice, read back.
     *
     * @param message  reasoning, content and tool calls, as the output plan's parsers split them
     * @param logprobs the chosen tokens' logprobs, when asked
     * @param end      the engine's finish event (reason and token counts)
     */
    public record Choice(int index, AssistantMessage message, List<TokenLogprobs> logprobs, TextEvent.Finished end) {
        /**
         * The same parser a stream uses, fed the same deltas and accumulated the way a client accumulates a stream:
         * streamed and non-streamed answers are the same message by construction.
         */
        static Choice of(int index, List<TextEvent> events, OutputPlan shaping) {
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
            return new Choice(index, message.add(parser.finish()).message(), logprobs, end);
        }
    }

    private static int[] truncate(int[] prompt, SamplingRequest req, int context) {
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
}
