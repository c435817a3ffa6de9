package io.djinn.api;

import io.djinn.common.ApiException;
import io.djinn.common.LogSafe;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import org.jboss.logging.Logger;

/**
 * Parameters of the OpenAI API, the hosted providers and vLLM that Djinn knows but does not honour yet. Sending one
 * with its no-op value is fine; any other value is a 400 naming it, because silently ignoring it would hand the
 * client an answer it did not ask for. Fields nobody knows are accepted and logged once, so newer SDKs keep working.
 */
final class UnsupportedParameters {

    private static final Logger LOG = Logger.getLogger(UnsupportedParameters.class);

    /** Parameter name → test, given the value and the whole body, that the value is the no-op one. */
    private static final Map<String, BiPredicate<JsonNode, JsonNode>> NO_OP = new LinkedHashMap<>();

    static {
        // best_of picks the best of several candidates; equal to n it is exactly what n does.
        NO_OP.put("best_of", (v, body) -> v.isIntegralNumber()
                && v.asLong() == (body.path("n").isIntegralNumber() ? body.path("n").asLong() : 1));
        NO_OP.put("length_penalty", (v, body) -> v.isNumber() && v.asDouble() == 1);
        NO_OP.put("early_stopping", (v, body) -> v.isBoolean() && !v.asBoolean());
        NO_OP.put("use_beam_search", (v, body) -> v.isBoolean() && !v.asBoolean());
        NO_OP.put("allowed_token_ids", (v, body) -> false);
        NO_OP.put("prompt_logprobs", (v, body) -> false);
        // EBNF grammars (vLLM's guided_grammar, structured_outputs.grammar) are not compiled.
        NO_OP.put("guided_grammar", (v, body) -> false);
        NO_OP.put("functions", (v, body) -> false);
        NO_OP.put("function_call", (v, body) -> v.isTextual() && v.asText().equals("none"));
        NO_OP.put("priority", (v, body) -> v.isIntegralNumber() && v.asLong() == 0);
        NO_OP.put("modalities", (v, body) -> v.isArray() && v.size() == 1 && "text".equals(v.get(0).asText()));
        NO_OP.put("audio", (v, body) -> false);
        NO_OP.put("prediction", (v, body) -> false);
        NO_OP.put("web_search_options", (v, body) -> false);
        NO_OP.put("store", (v, body) -> v.isBoolean() && !v.asBoolean());
        NO_OP.put("metadata", (v, body) -> true);
        NO_OP.put("return_tokens_as_token_ids", (v, body) -> v.isBoolean() && !v.asBoolean());
    }

    /** Fields of {@link ChatCompletionRequest} (honoured) and of the tokenize requests. */
    private static final Set<String> HONOURED = Set.of("model", "messages", "max_tokens", "max_completion_tokens",
            "temperature", "top_p", "top_k", "min_p", "presence_penalty", "frequency_penalty", "repetition_penalty",
            "logit_bias", "logprobs", "top_logprobs", "n", "seed", "stop", "stop_token_ids",
            "include_stop_str_in_output", "ignore_eos", "min_tokens", "bad_words", "skip_special_tokens",
            "spaces_between_special_tokens", "truncate_prompt_tokens", "stream", "stream_options", "service_tier",
            "user", "add_generation_prompt", "continue_final_message", "add_special_tokens", "echo", "chat_template",
            "chat_template_kwargs", "documents", "reasoning_effort", "parallel_tool_calls", "prompt", "tokens",
            "return_token_strs", "response_format", "structured_outputs", "guided_json", "guided_regex",
            "guided_choice", "tools", "tool_choice", "thinking_token_budget", "include_reasoning");

    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private UnsupportedParameters() {}

    static void check(JsonNode body) {
        for (var it = body.fieldNames(); it.hasNext();) {
            String name = it.next();
            JsonNode value = body.get(name);
            BiPredicate<JsonNode, JsonNode> noOp = NO_OP.get(name);
            if (noOp != null) {
                if (!value.isNull() && !noOp.test(value, body)) {
                    throw ApiException.badRequest(name, "unsupported_parameter",
                            "'" + name + "' is not supported by this server with the value given (" + abbreviate(value)
                                    + "); omit it or send its default.");
                }
            } else if (!HONOURED.contains(name) && LOGGED.size() < 1000 && LOGGED.add(name)) {
                LOG.infof("Ignoring unknown request field '%s' (logged once)", LogSafe.escape(abbreviate(name)));
            }
        }
    }

    private static String abbreviate(Object o) {
        String s = String.valueOf(o);
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
