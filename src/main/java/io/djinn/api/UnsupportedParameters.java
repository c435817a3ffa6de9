package io.djinn.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * Parameters of the OpenAI API, the hosted providers and vLLM that Djinn knows but does not honour yet. Sending one
 * with its no-op value is fine; any other value is a 400 naming it, because silently ignoring it would hand the
 * client an answer it did not ask for. Fields nobody knows are accepted and logged once, so newer SDKs keep working.
 */
final class UnsupportedParameters {

    private static final Logger LOG = Logger.getLogger(UnsupportedParameters.class);

    /** Parameter name → test that the value is the no-op one. */
    private static final Map<String, Predicate<JsonNode>> NO_OP = new LinkedHashMap<>();

    static {
        NO_OP.put("n", v -> v.isIntegralNumber() && v.asLong() == 1);
        NO_OP.put("best_of", v -> v.isIntegralNumber() && v.asLong() == 1);
        NO_OP.put("logprobs", v -> v.isBoolean() && !v.asBoolean());
        NO_OP.put("top_logprobs", v -> v.isIntegralNumber() && v.asLong() == 0);
        NO_OP.put("stop", v -> v.isArray() && v.isEmpty());
        NO_OP.put("stop_token_ids", v -> v.isArray() && v.isEmpty());
        NO_OP.put("include_stop_str_in_output", v -> v.isBoolean() && !v.asBoolean());
        NO_OP.put("presence_penalty", v -> v.isNumber() && v.asDouble() == 0);
        NO_OP.put("frequency_penalty", v -> v.isNumber() && v.asDouble() == 0);
        NO_OP.put("repetition_penalty", v -> v.isNumber() && v.asDouble() == 1);
        NO_OP.put("length_penalty", v -> v.isNumber() && v.asDouble() == 1);
        NO_OP.put("early_stopping", v -> v.isBoolean() && !v.asBoolean());
        NO_OP.put("use_beam_search", v -> v.isBoolean() && !v.asBoolean());
        NO_OP.put("min_p", v -> v.isNumber() && v.asDouble() == 0);
        NO_OP.put("min_tokens", v -> v.isIntegralNumber() && v.asLong() == 0);
        NO_OP.put("logit_bias", v -> v.isObject() && v.isEmpty());
        NO_OP.put("bad_words", v -> v.isArray() && v.isEmpty());
        NO_OP.put("allowed_token_ids", v -> false);
        NO_OP.put("spaces_between_special_tokens", v -> v.isBoolean() && v.asBoolean());
        NO_OP.put("truncate_prompt_tokens", v -> false);
        NO_OP.put("continue_final_message", v -> v.isBoolean() && !v.asBoolean());
        NO_OP.put("add_special_tokens", v -> v.isBoolean() && !v.asBoolean());
        NO_OP.put("echo", v -> v.isBoolean() && !v.asBoolean());
        NO_OP.put("prompt_logprobs", v -> false);
        NO_OP.put("response_format", v -> v.isObject() && "text".equals(v.path("type").asText()));
        NO_OP.put("structured_outputs", v -> false);
        NO_OP.put("tools", v -> false);
        NO_OP.put("tool_choice", v -> v.isTextual() && v.asText().equals("none"));
        NO_OP.put("functions", v -> false);
        NO_OP.put("function_call", v -> v.isTextual() && v.asText().equals("none"));
        NO_OP.put("parallel_tool_calls", v -> true);
        NO_OP.put("service_tier", v -> v.isTextual() && Set.of("auto", "default").contains(v.asText()));
        NO_OP.put("priority", v -> v.isIntegralNumber() && v.asLong() == 0);
        NO_OP.put("modalities", v -> v.isArray() && v.size() == 1 && "text".equals(v.get(0).asText()));
        NO_OP.put("audio", v -> false);
        NO_OP.put("prediction", v -> false);
        NO_OP.put("web_search_options", v -> false);
        NO_OP.put("store", v -> v.isBoolean() && !v.asBoolean());
        NO_OP.put("metadata", v -> true);
        NO_OP.put("thinking_token_budget", v -> false);
        NO_OP.put("include_reasoning", v -> v.isBoolean() && v.asBoolean());
        NO_OP.put("return_tokens_as_token_ids", v -> v.isBoolean() && !v.asBoolean());
    }

    private static final Set<String> HONOURED = Set.of("model", "messages", "max_tokens", "max_completion_tokens",
            "temperature", "top_p", "top_k", "seed", "stream", "stream_options", "user", "ignore_eos",
            "skip_special_tokens", "add_generation_prompt", "chat_template", "chat_template_kwargs", "documents",
            "reasoning_effort");

    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private UnsupportedParameters() {}

    static void check(JsonNode body) {
        for (var it = body.fieldNames(); it.hasNext();) {
            String name = it.next();
            JsonNode value = body.get(name);
            Predicate<JsonNode> noOp = NO_OP.get(name);
            if (noOp != null) {
                if (!value.isNull() && !noOp.test(value)) {
                    throw ApiException.badRequest(name, "unsupported_parameter",
                            "'" + name + "' is not supported by this server with the value given (" + abbreviate(value)
                                    + "); omit it or send its default.");
                }
            } else if (!HONOURED.contains(name) && LOGGED.size() < 1000 && LOGGED.add(name)) {
                LOG.infof("Ignoring unknown request field '%s' (logged once)", abbreviate(name));
            }
        }
    }

    private static String abbreviate(Object o) {
        String s = String.valueOf(o);
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
