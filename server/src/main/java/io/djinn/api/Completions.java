package io.djinn.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.djinn.auth.Caller;
import io.djinn.common.ApiException;
import io.djinn.common.Json;
import io.djinn.config.DjinnConfig;
import io.djinn.serving.Generations;
import io.djinn.serving.ServedModel;
import io.djinn.engine.TextEvent;
import io.djinn.engine.TokenLogprobs;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The legacy completions use case: raw prompts (no chat template) on the same path as chat completions. The
 * request's sampling fields are checked and turned into engine parameters by the chat-completions rules (same names,
 * same ranges), its prompts tokenized as they are, and the answer rendered in the legacy shape.
 */
@ApplicationScoped
public class Completions {

    private final Generations generations;
    private final RequestParser parser;
    private final DjinnConfig config;

    public Completions(Generations generations, RequestParser parser, DjinnConfig config) {
        this.generations = generations;
        this.parser = parser;
        this.config = config;
    }

    /**
     * @param prompts one prepared request per prompt, each with {@code n} choices
     * @param echoes  each prompt's text when {@code echo} is set, else null
     */
    record Plan(CompletionRequest request, List<Generations.Prepared> prompts, List<String> echoes,
            int logprobs) {}

    public Uni<HttpReply> handle(byte[] body, Caller caller) {
        Plan plan;
        Generations.Running running;
        try {
            plan = prepare(body);
            running = generations.start(plan.prompts(), caller);
        } catch (ApiException e) {
            return Uni.createFrom().item(ChatCompletions.error(e));
        }
        Generations.Prepared first = plan.prompts().getFirst();
        Header header = new Header("cmpl-" + UUID.randomUUID().toString().replace("-", ""),
                System.currentTimeMillis() / 1000, first.model().id(), ChatCompletions.fingerprint(first.model()));
        // Choices come prompt by prompt, n per prompt: choice i belongs to prompt i / n.
        List<String> echoes = new ArrayList<>();
        int promptTokens = 0;
        for (int i = 0; i < plan.prompts().size(); i++) {
            Generations.Prepared p = plan.prompts().get(i);
            promptTokens += p.prompt().length;
            for (int c = 0; c < p.choiceParams().size(); c++) {
                echoes.add(plan.echoes().get(i));
            }
        }
        List<Multi<TextEvent>> choices = running.choices();
        LogprobsRenderer logprobs = plan.logprobs() >= 0
                ? new LogprobsRenderer(first.model().tokenizer(), plan.logprobs()) : null;
        int prompt = promptTokens;
        if (plan.request().streaming()) {
            Stream stream = new Stream(header, choices.size(), prompt, plan.request().streamOptions(), echoes,
                    logprobs);
            return running.opened().map(opened -> HttpReply.eventStream(
                    KeepAlive.wrap(stream.render(opened), config.api().keepAliveInterval()))
                    .withHeaders(running.headers()))
                    .onFailure().recoverWithItem(t -> ChatCompletions.error(ErrorMapper.toApiException(t)));
        }
        List<Uni<Finished>> results = new ArrayList<>();
        for (int i = 0; i < choices.size(); i++) {
            int index = i;
            results.add(choices.get(i).collect().asList()
                    .map(events -> Finished.of(index, events, echoes.get(index), logprobs)));
        }
        return Uni.join().all(results).andFailFast().map(list -> {
            List<Completion.Choice> out = new ArrayList<>();
            int completion = 0;
            int cached = 0;
            for (Finished r : list) {
                out.add(r.choice());
                completion += r.end().completionTokens();
                cached = Math.max(cached, r.end().cachedTokens());
            }
            Completion c = new Completion(header.id(), "text_completion", header.created(), header.model(),
                    header.fingerprint(), out, Usage.of(prompt, completion, Math.min(prompt, cached)));
            return HttpReply.json(200, Json.write(c), running.headers());
        }).onFailure().recoverWithItem(t -> ChatCompletions.error(ErrorMapper.toApiException(t)));
    }

    record Header(String id, long created, String model, String fingerprint) {}

    /** One finished choice of a non-streamed answer. */
    private record Finished(Completion.Choice choice, TextEvent.Finished end) {
        static Finished of(int index, List<TextEvent> events, String echo, LogprobsRenderer renderer) {
            StringBuilder text = new StringBuilder(echo == null ? "" : echo);
            List<TokenLogprobs> logprobs = new ArrayList<>();
            TextEvent.Finished end = null;
            for (TextEvent e : events) {
                if (e instanceof TextEvent.Delta d) {
                    text.append(d.text());
                    logprobs.addAll(d.logprobs());
                } else if (e instanceof TextEvent.Finished f) {
                    end = f;
                }
            }
            if (end == null) {
                throw new IllegalStateException("generation ended without a finish event");
            }
            Completion.Logprobs lp = renderer == null ? null
                    : renderer.legacy(logprobs, echo == null ? 0 : echo.length());
            return new Finished(new Completion.Choice(index, text.toString(), lp, end.reason().apiName()), end);
        }
    }

    Plan prepare(byte[] body) {
        AtomicReference<JsonNode> raw = new AtomicReference<>();
        CompletionRequest req = parser.parse(body, CompletionRequest.class, tree -> {
            checkRaw(tree);
            raw.set(tree);
        });
        ObjectNode shared = Json.MAPPER.createObjectNode();
        for (String name : CompletionRequest.SHARED) {
            if (raw.get().has(name)) {
                shared.set(name, raw.get().get(name));
            }
        }
        // The chat rules need messages; the prompt itself is tokenized here, without a template.
        shared.putArray("messages").addObject().put("role", "user").put("content", "");
        if (!shared.hasNonNull("max_tokens")) {
            shared.put("max_tokens", CompletionRequest.DEFAULT_MAX_TOKENS);
        }
        if (req.logprobs() != null) {
            shared.put("logprobs", true).put("top_logprobs", req.logprobs());
        }
        ChatCompletionRequest sampling = parser.parse(Json.write(shared).getBytes(StandardCharsets.UTF_8),
                ChatCompletionRequest.class, tree -> { });
        ChatCompletions.checkOptions(sampling);
        ServedModel model = generations.model(req.model());
        boolean echo = Boolean.TRUE.equals(req.echo());
        if (echo && req.logprobs() != null) {
            throw ApiException.badRequest("echo", "unsupported_parameter", "'echo' together with 'logprobs' asks for"
                    + " the prompt's log-probabilities, which this server does not compute; send one of them.");
        }
        List<int[]> prompts = prompts(req.prompt(), model, !Boolean.FALSE.equals(req.addSpecialTokens()));
        if (prompts.size() * sampling.choices() > 128) {
            throw ApiException.invalidParam("n", "'n' times the number of prompts is " + prompts.size()
                    * sampling.choices() + "; at most 128 choices may be generated per request.");
        }
        List<Generations.Prepared> prepared = new ArrayList<>();
        List<String> echoes = new ArrayList<>();
        for (int[] tokens : prompts) {
            String text = model.tokenizer().decode(tokens, false);
            prepared.add(generations.prepare(model, new Generations.Prompt(tokens, text, "prompt"), sampling));
            echoes.add(echo ? model.tokenizer().decode(tokens, true) : null);
        }
        return new Plan(req, prepared, echoes, req.logprobs() == null ? -1 : req.logprobs());
    }

    private static void checkRaw(JsonNode tree) {
        for (String name : CompletionRequest.CHAT_ONLY) {
            if (tree.has(name)) {
                throw ApiException.badRequest(name, "unsupported_parameter", "'" + name + "' is a chat completions "
                        + "parameter; /v1/completions does not take it (see /v1/chat/completions).");
            }
        }
        JsonNode suffix = tree.get("suffix");
        if (suffix != null && !suffix.isNull() && !(suffix.isTextual() && suffix.asText().isEmpty())) {
            throw ApiException.badRequest("suffix", "unsupported_parameter",
                    "'suffix' (insertion between a prompt and a suffix) is not supported by this server.");
        }
        UnsupportedParameters.check(tree);
    }

    /** The prompts as token ids: a string, a list of strings, a list of ids, or a list of lists of ids. */
    private List<int[]> prompts(JsonNode prompt, ServedModel model, boolean addSpecialTokens) {
        String expected = "must be a string, a list of strings, a list of token ids or a list of lists of token ids";
        List<int[]> out = new ArrayList<>();
        int vocab = Math.min(model.tokenizer().vocabSize(), model.config().vocabSize());
        int maxChars = config.api().maxContentChars();
        if (prompt.isTextual()) {
            out.add(text(prompt.asText(), model, addSpecialTokens, maxChars));
            return out;
        }
        if (!prompt.isArray() || prompt.isEmpty()) {
            throw ApiException.invalidParam("prompt", "'prompt' " + expected + " (and not empty).");
        }
        if (prompt.get(0).isIntegralNumber()) {
            out.add(ids(prompt, "prompt", vocab));
            return out;
        }
        if (prompt.size() > 128) {
            throw ApiException.invalidParam("prompt", "'prompt' may hold at most 128 prompts.");
        }
        int chars = 0;
        for (int i = 0; i < prompt.size(); i++) {
            JsonNode p = prompt.get(i);
            String param = "prompt[" + i + "]";
            if (p.isTextual() && !prompt.get(0).isArray()) {
                chars += p.asText().length();
                out.add(text(p.asText(), model, addSpecialTokens, maxChars - chars + p.asText().length()));
            } else if (p.isArray() && prompt.get(0).isArray()) {
                out.add(ids(p, param, vocab));
            } else {
                throw ApiException.invalidParam(param, "'prompt' " + expected + "; '" + param + "' breaks that.");
            }
        }
        return out;
    }

    private static int[] text(String text, ServedModel model, boolean addSpecialTokens, int maxChars) {
        if (text.length() > maxChars) {
            throw ApiException.invalidParam("prompt", "'prompt' holds more than " + maxChars + " characters.");
        }
        int[] tokens = model.tokenizer().encode(text);
        return addSpecialTokens ? ChatPrompts.withBos(tokens, model) : tokens;
    }

    private static int[] ids(JsonNode list, String param, int vocab) {
        if (list.isEmpty()) {
            throw ApiException.invalidParam(param, "'" + param + "' must hold at least one token id.");
        }
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode id = list.get(i);
            if (!id.isIntegralNumber() || id.asLong() < 0 || id.asLong() >= vocab) {
                throw ApiException.invalidParam(param, "'" + param + "' holds " + abbreviate(id)
                        + ", which is not a token id of this model (the vocabulary is [0, " + vocab + ")).");
            }
            out[i] = id.intValue();
        }
        return out;
    }

    private static String abbreviate(JsonNode v) {
        String s = v.toString();
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    /** Legacy SSE: one chunk per text delta, one finish chunk per choice, an optional usage chunk, then [DONE]. */
    static final class Stream {
        private static final String DONE = "data: [DONE]\n\n";

        private record Indexed(int index, TextEvent event) {}

        private final Header header;
        private final int promptTokens;
        private final boolean includeUsage;
        private final boolean continuousUsage;
        private final List<String> echoes;
        private final LogprobsRenderer logprobs;
        /** Per choice: completion tokens and characters of text so far; touched only by the serialised merge. */
        private final int[] completion;
        private final int[] offsets;
        private int cached;

        Stream(Header header, int choices, int promptTokens, StreamOptions options, List<String> echoes,
                LogprobsRenderer logprobs) {
            this.header = header;
            this.promptTokens = promptTokens;
            this.includeUsage = options != null && options.usage();
            this.continuousUsage = options != null && options.continuousUsage();
            this.echoes = echoes;
            this.logprobs = logprobs;
            this.completion = new int[choices];
            this.offsets = new int[choices];
        }

        Multi<String> render(List<Multi<TextEvent>> choices) {
            List<String> opening = new ArrayList<>();
            List<Multi<Indexed>> tagged = new ArrayList<>();
            for (int i = 0; i < choices.size(); i++) {
                int index = i;
                String echo = echoes.get(i);
                if (echo != null && !echo.isEmpty()) {
                    offsets[i] = echo.length();
                    opening.add(chunk(new Completion.Choice(i, echo, null, null)));
                }
                tagged.add(choices.get(i).map(e -> new Indexed(index, e)));
            }
            Multi<Indexed> merged = tagged.size() == 1 ? tagged.getFirst()
                    : Multi.createBy().merging().streams(tagged);
            Multi<String> body = merged.onItem().transformToIterable(this::render)
                    .onCompletion().switchTo(() -> includeUsage
                            ? Multi.createFrom().item(usageChunk())
                            : Multi.createFrom().empty());
            return Multi.createBy().concatenating().streams(Multi.createFrom().iterable(opening), body)
                    .onFailure().recoverWithItem(t -> "data: " + Json.write(ErrorMapper.toApiException(t).body())
                            + "\n\n")
                    .onCompletion().continueWith(DONE);
        }

        private List<String> render(Indexed item) {
            int i = item.index();
            return switch (item.event()) {
                case TextEvent.Delta d -> {
                    completion[i] += d.tokenIds().length;
                    Completion.Logprobs lp = logprobs == null || d.logprobs().isEmpty() ? null
                            : logprobs.legacy(d.logprobs(), offsets[i]);
                    offsets[i] += d.text().length();
                    yield d.text().isEmpty() && lp == null ? List.of()
                            : List.of(chunk(new Completion.Choice(i, d.text(), lp, null)));
                }
                case TextEvent.Finished f -> {
                    completion[i] = f.completionTokens();
                    cached = Math.max(cached, f.cachedTokens());
                    yield List.of(chunk(new Completion.Choice(i, "", null, f.reason().apiName())));
                }
            };
        }

        private Usage usage() {
            int total = 0;
            for (int c : completion) {
                total += c;
            }
            return Usage.of(promptTokens, total, Math.min(promptTokens, cached));
        }

        private String chunk(Completion.Choice choice) {
            return "data: " + Json.write(new Completion(header.id(), "text_completion", header.created(),
                    header.model(), header.fingerprint(), List.of(choice), continuousUsage ? usage() : null))
                    + "\n\n";
        }

        private String usageChunk() {
            return "data: " + Json.write(new Completion(header.id(), "text_completion", header.created(),
                    header.model(), header.fingerprint(), List.of(), usage())) + "\n\n";
        }
    }
}
