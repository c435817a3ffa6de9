package io.djinn.serving;

import io.djinn.common.ApiException;
import io.djinn.common.Json;
import com.fasterxml.jackson.databind.JsonNode;
import io.djinn.reasoning.ReasoningSyntax;
import io.djinn.structured.Grammar;
import io.djinn.structured.GrammarConstraint;
import io.djinn.structured.Grammars;
import io.djinn.structured.SchemaException;
import io.djinn.structured.TokenVocabulary;
import io.djinn.toolcall.ToolCallFormat;
import io.djinn.toolcall.ToolCallSyntax;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import io.djinn.tokenizer.ChatTemplate;
import io.djinn.tokenizer.Tokenizer;

/**
 * What one served model offers for shaping its output, built once when the model loads: the tool-call format its
 * chat template teaches, its thinking markers (as single tokens), and (on the first structured request) its token
 * vocabulary for grammar masks. {@link #plan} turns what a request asks of the shape of its output into what the
 * engine enforces and how the text is read back: a {@link Grammar} for {@code response_format}, vLLM's
 * {@code structured_outputs} (and its older {@code guided_*} fields) or a forced tool call, a thinking budget, and
 * the parsers that split the text into reasoning, content and tool calls. Everything a request can get wrong here is
 * a 400 naming the parameter. Every endpoint that generates (chat completions, responses, completions) asks the same
 * object, so the same request fields mean the same everywhere.
 */
public final class OutputShaping {

    /** Thinking tokens per {@code reasoning_effort}; {@code none} also switches thinking off in the template. */
    public static final Map<String, Integer> EFFORT_BUDGETS = Map.of("none", 0, "minimal", 128, "low", 512,
            "medium", 2048, "high", 8192, "xhigh", -1);

    /**
     * How the operator configured the model's output parsing.
     *
     * @param toolCallFormat  {@code djinn.model.tool-call-format}: {@code auto} (from the template), a format, or none
     * @param reasoningParser {@code djinn.model.reasoning-parser}: {@code auto} or {@code none}
     */
    public record Settings(String toolCallFormat, String reasoningParser) {
        /** Both detected from the chat template and tokenizer. */
        public static final Settings DETECT = new Settings("auto", "auto");
    }

    private final Tokenizer tokenizer;
    private final int[] eosIds;
    final ToolCallFormat toolFormat;
    final ReasoningSyntax reasoning;
    final int thinkStart;
    final int thinkEnd;
    final int modelVocab;
    private volatile TokenVocabulary vocabulary;

    OutputShaping(Tokenizer tokenizer, ChatTemplate chatTemplate, int modelVocab, int[] eosIds, Settings settings) {
        this.tokenizer = tokenizer;
        this.eosIds = eosIds.clone();
        this.modelVocab = modelVocab;
        String template = chatTemplate == null ? null : chatTemplate.source();
        this.toolFormat = ToolCallFormat.resolve(settings.toolCallFormat(), template).orElse(null);
        ReasoningSyntax syntax = "none".equals(settings.reasoningParser().trim()) ? null
                : ReasoningSyntax.detect(template).orElse(null);
        OptionalInt start = syntax == null ? OptionalInt.empty() : tokenizer.tokenId(syntax.start());
        OptionalInt end = syntax == null ? OptionalInt.empty() : tokenizer.tokenId(syntax.end());
        // Budgets and grammars after thinking work on the marker tokens, so both must be single tokens.
        boolean usable = start.isPresent() && end.isPresent() && start.getAsInt() < modelVocab
                && end.getAsInt() < modelVocab;
        this.reasoning = usable ? syntax : null;
        this.thinkStart = usable ? start.getAsInt() : -1;
        this.thinkEnd = usable ? end.getAsInt() : -1;
    }

    /** The tool-call format output is parsed in, or null when tool calls are not parsed. */
    public ToolCallFormat toolFormat() {
        return toolFormat;
    }

    /** The model's thinking markers, or null when it has none usable. */
    public ReasoningSyntax reasoning() {
        return reasoning;
    }

    /** Token bytes for grammar masks: built on the first structured request (seconds for 150k tokens). */
    TokenVocabulary vocabulary() {
        TokenVocabulary v = vocabulary;
        if (v == null) {
            synchronized (this) {
                if (vocabulary == null) {
                    vocabulary = TokenVocabulary.of(tokenizer, eosIds, modelVocab);
                }
                v = vocabulary;
            }
        }
        return v;
    }

    /**
     * One request's plan.
     *
     * @param promptText the rendered prompt (a prompt that ends inside an open thinking block starts in reasoning)
     */
    public OutputPlan plan(OutputRequest req, String promptText) {
        List<String> sources = new ArrayList<>();
        Grammar grammar = null;
        String source = null;
        JsonNode rf = req.responseFormat();
        if (rf != null && !rf.isNull() && !"text".equals(rf.path("type").asText())) {
            sources.add("response_format");
            if ("json_object".equals(rf.path("type").asText())) {
                grammar = Grammars.jsonObject();
            } else {
                JsonNode schema = rf.path("json_schema").get("schema");
                grammar = schema(schema, "response_format.json_schema.schema");
            }
            source = "response_format";
        }
        JsonNode so = req.structuredOutputs();
        if (so != null && !so.isNull()) {
            sources.add("structured_outputs");
            source = "structured_outputs";
            if (so.hasNonNull("json")) {
                grammar = schema(jsonOf(so.get("json"), "structured_outputs.json"), "structured_outputs.json");
            } else if (so.hasNonNull("regex")) {
                grammar = regex(so.get("regex").asText(), "structured_outputs.regex");
            } else if (so.hasNonNull("choice")) {
                List<String> options = new ArrayList<>();
                so.get("choice").forEach(c -> options.add(c.asText()));
                grammar = choice(options, "structured_outputs.choice");
            } else {
                grammar = Grammars.jsonObject();
            }
        }
        if (req.guidedJson() != null && !req.guidedJson().isNull()) {
            sources.add("guided_json");
            source = "guided_json";
            grammar = schema(jsonOf(req.guidedJson(), "guided_json"), "guided_json");
        }
        if (req.guidedRegex() != null) {
            sources.add("guided_regex");
            source = "guided_regex";
            grammar = regex(req.guidedRegex(), "guided_regex");
        }
        if (req.guidedChoice() != null) {
            sources.add("guided_choice");
            source = "guided_choice";
            grammar = choice(req.guidedChoice(), "guided_choice");
        }
        if (sources.size() > 1) {
            throw ApiException.invalidParam(sources.get(1), "Only one output constraint may be given, but the "
                    + "request has " + String.join(" and ", sources) + ".");
        }

        ToolCallFormat format = null;
        List<JsonNode> tools = req.tools() == null ? List.of() : req.tools();
        JsonNode choice = req.toolChoice();
        String mode = choice == null || choice.isNull() ? (tools.isEmpty() ? "none" : "auto")
                : choice.isTextual() ? choice.asText() : "named";
        if (!"none".equals(mode)) {
            if (tools.isEmpty()) {
                throw ApiException.invalidParam("tool_choice", "'tool_choice' is '" + mode
                        + "' but the request has no 'tools'.");
            }
            if (toolFormat == null) {
                throw ApiException.invalidParam("tools", "This model's chat template shows no tool-call format "
                        + "this server can parse; send tool_choice 'none', or configure djinn.model.tool-call-format.");
            }
            format = toolFormat;
            if (!"auto".equals(mode)) {
                if (grammar != null) {
                    throw ApiException.invalidParam("tool_choice", "'tool_choice' '" + mode + "' forces a tool call,"
                            + " which cannot be combined with '" + source + "'.");
                }
                String named = "named".equals(mode) ? choice.path("function").path("name").asText() : null;
                grammar = forcedCalls(tools, named, !Boolean.FALSE.equals(req.parallelToolCalls()),
                        format.syntax());
                source = "tool_choice";
            }
        }

        Integer asked = req.thinkingTokenBudget();
        if (asked != null && reasoning == null) {
            throw ApiException.invalidParam("thinking_token_budget", "This model has no thinking markers (such as "
                    + "<think> and </think> as single tokens), so its thinking cannot be budgeted.");
        }
        int budget = asked != null ? asked
                : req.reasoningEffort() != null ? EFFORT_BUDGETS.get(req.reasoningEffort()) : -1;
        boolean opens = reasoning != null && reasoning.promptOpensReasoning(promptText);
        TokenVocabulary vocabulary = grammar == null ? null : vocabulary();
        int minTokens = grammar == null ? 0 : new GrammarConstraint(grammar, vocabulary).minTokens();
        return new OutputPlan(grammar, source, format, reasoning, opens, budget,
                !Boolean.FALSE.equals(req.includeReasoning()), this, vocabulary, minTokens);
    }

    /**
     * Required or named calls in the model's own format: {@code prefix call (separator call)* suffix}, each call
     * the format's wrapper around {@code {"name": "<name>", "<arguments key>": <arguments>}} where the arguments
     * follow that function's parameters schema. The arguments are a schema of their own (not a property of a
     * wrapper schema) so that their {@code $ref}s resolve against their own root.
     */
    private static Grammar forcedCalls(List<JsonNode> tools, String named, boolean parallel, ToolCallSyntax syntax) {
        List<Grammar> calls = new ArrayList<>();
        boolean found = false;
        for (int i = 0; i < tools.size(); i++) {
            JsonNode fn = tools.get(i).path("function");
            String name = fn.path("name").asText();
            if (named != null && !named.equals(name)) {
                continue;
            }
            found = true;
            JsonNode params = fn.get("parameters");
            if (params != null && params.has("type") && !"object".equals(params.get("type").asText())) {
                throw ApiException.invalidParam("tools[" + i + "].function.parameters.type", "A function's "
                        + "arguments are a JSON object, so its 'parameters' schema must have type \"object\".");
            }
            Grammar arguments = params == null || params.isNull()
                    ? schema(Json.MAPPER.createObjectNode().put("type", "object")
                            .set("properties", Json.MAPPER.createObjectNode()), "tools[" + i + "].function.parameters")
                    : schema(params, "tools[" + i + "].function.parameters");
            String head = syntax.callPrefix() + "{\"" + syntax.nameKey() + "\": \"" + name + "\", \""
                    + syntax.argumentsKey() + "\": ";
            calls.add(Grammars.sequence(Grammars.literal(head), arguments, Grammars.literal("}" + syntax.callSuffix())));
        }
        if (!found) {
            throw ApiException.invalidParam("tool_choice", "'tool_choice' names function '" + named
                    + "', which is not among the request's tools.");
        }
        Grammar one = calls.size() == 1 ? calls.getFirst() : Grammars.anyOf(calls.toArray(new Grammar[0]));
        Grammar list = parallel && !syntax.separator().isEmpty()
                ? Grammars.repeat(one, Grammars.literal(syntax.separator()), 1, -1) : one;
        List<Grammar> parts = new ArrayList<>();
        if (!syntax.prefix().isEmpty()) {
            parts.add(Grammars.literal(syntax.prefix()));
        }
        parts.add(list);
        if (!syntax.suffix().isEmpty()) {
            parts.add(Grammars.literal(syntax.suffix()));
        }
        return parts.size() == 1 ? list : Grammars.sequence(parts.toArray(new Grammar[0]));
    }

    /** Compiled (and cached by its text) in {@link Grammars}; a keyword outside the subset is a 400 at its path. */
    private static Grammar schema(JsonNode schema, String param) {
        JsonNode s = schema == null || schema.isNull() ? Json.MAPPER.createObjectNode() : schema;
        try {
            return Grammars.jsonSchema(s);
        } catch (SchemaException e) {
            String at = e.path().isEmpty() ? param : param + "." + e.path();
            throw ApiException.invalidParam(at, "'" + at + "' cannot be enforced: " + e.getMessage());
        }
    }

    private static Grammar regex(String pattern, String param) {
        try {
            return Grammars.regex(pattern);
        } catch (SchemaException e) {
            throw ApiException.invalidParam(param, "'" + param + "' cannot be enforced: " + e.getMessage());
        }
    }

    private static Grammar choice(List<String> options, String param) {
        if (options.isEmpty()) {
            throw ApiException.invalidParam(param, "'" + param + "' must list at least one string.");
        }
        try {
            return Grammars.choice(options);
        } catch (SchemaException e) {
            throw ApiException.invalidParam(param, "'" + param + "' cannot be enforced: " + e.getMessage());
        }
    }

    private static JsonNode jsonOf(JsonNode value, String param) {
        if (!value.isTextual()) {
            return value;
        }
        try {
            return Json.MAPPER.readTree(value.asText());
        } catch (Exception e) {
            throw ApiException.invalidParam(param, "'" + param + "' is not a JSON Schema: " + e.getMessage());
        }
    }
}
