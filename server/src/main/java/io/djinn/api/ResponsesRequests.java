package io.djinn.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.djinn.common.ApiException;
import io.djinn.common.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The Responses API's request in the terms of chat completions: input items become messages, function tools become
 * chat tools, {@code text.format} becomes {@code response_format}, {@code reasoning.effort} becomes
 * {@code reasoning_effort}. What the Responses API offers and this server does not (built-in tools, background
 * runs, images, audio, files) is a 400 naming it.
 */
final class ResponsesRequests {

    private ResponsesRequests() {}

    /** Chat-completions parameter → the Responses API parameter it came from, for error messages. */
    private static final Map<String, String> PARAMS = Map.of("max_completion_tokens", "max_output_tokens",
            "response_format.json_schema.schema", "text.format.schema", "response_format", "text.format",
            "reasoning_effort", "reasoning.effort", "truncate_prompt_tokens", "truncation", "messages", "input");

    /** Top-level fields that are refused unless they carry their no-op value. */
    static void checkUnsupported(JsonNode body) {
        refuse(body, "background", v -> v.isBoolean() && !v.asBoolean(),
                "'background' runs are not supported by this server; send the request without it.");
        refuse(body, "conversation", v -> false,
                "'conversation' objects are not supported by this server; continue with 'previous_response_id'.");
        refuse(body, "prompt", v -> false, "Stored prompt templates ('prompt') are not supported by this server.");
        refuse(body, "include", v -> v.isArray() && v.isEmpty(),
                "'include' (extra output data) is not supported by this server; omit it.");
        refuse(body, "top_logprobs", v -> v.isIntegralNumber() && v.asInt() == 0,
                "'top_logprobs' is not supported on /v1/responses by this server; use /v1/chat/completions.");
        refuse(body, "max_tool_calls", v -> false, "'max_tool_calls' is not supported by this server.");
        refuse(body, "stream_options", v -> v.isObject() && !v.path("include_obfuscation").asBoolean(false),
                "'stream_options.include_obfuscation' is not supported by this server; send false or omit it.");
        for (String chatOnly : List.of("messages", "max_tokens", "max_completion_tokens", "n", "response_format",
                "reasoning_effort", "logprobs", "echo")) {
            if (body.has(chatOnly)) {
                throw ApiException.badRequest(chatOnly, "unsupported_parameter", "'" + chatOnly + "' is a chat "
                        + "completions parameter; /v1/responses does not take it.");
            }
        }
        UnsupportedParameters.check(onlyKnownToChat(body));
    }

    /** The fields of the body that UnsupportedParameters knows as no-op-only (store and metadata are ours here). */
    private static JsonNode onlyKnownToChat(JsonNode body) {
        ObjectNode copy = ((ObjectNode) body).deepCopy();
        copy.remove(List.of("store", "metadata", "input", "instructions", "text", "reasoning", "truncation",
                "previous_response_id", "safety_identifier", "prompt_cache_key", "max_output_tokens"));
        return copy;
    }

    private interface NoOp {
        boolean test(JsonNode v);
    }

    private static void refuse(JsonNode body, String name, NoOp noOp, String message) {
        JsonNode v = body.get(name);
        if (v != null && !v.isNull() && !noOp.test(v)) {
            throw ApiException.badRequest(name, "unsupported_parameter", message);
        }
    }

    /** An error of the chat-completions rules, naming the Responses API's parameter. */
    static ApiException renamed(ApiException e) {
        String param = e.body().error().param();
        if (param == null) {
            return e;
        }
        String renamed = param;
        // The longest matching name wins (response_format.json_schema.schema before response_format): PARAMS is a
        // Map.of, whose iteration order changes from run to run.
        String longest = null;
        for (String name : PARAMS.keySet()) {
            if ((param.equals(name) || param.startsWith(name + ".") || param.startsWith(name + "["))
                    && (longest == null || name.length() > longest.length())) {
                longest = name;
            }
        }
        if (longest != null) {
            renamed = PARAMS.get(longest) + param.substring(longest.length());
        }
        renamed = renamed.replaceFirst("^tools\\[(\\d+)]\\.function", "tools[$1]");
        renamed = renamed.replaceFirst("^tool_choice\\.function\\.", "tool_choice.");
        if (renamed.equals(param)) {
            return e;
        }
        return new ApiException(e.status(), e.body().error().type(), e.body().error().code(), renamed,
                e.getMessage().replace("'" + param + "'", "'" + renamed + "'"), e.headers());
    }

    static String newId(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "");
    }

    /**
     * The request's input as stored items, each with an id and a status (what {@code input_items} returns and a
     * later {@code previous_response_id} continues from).
     */
    static List<JsonNode> inputItems(JsonNode input) {
        List<JsonNode> out = new ArrayList<>();
        if (input.isTextual()) {
            out.add(message("user", input.asText()));
            return out;
        }
        if (!input.isArray()) {
            throw ApiException.invalidParam("input", "'input' must be a string or a list of input items.");
        }
        for (int i = 0; i < input.size(); i++) {
            out.add(item(input.get(i), "input[" + i + "]"));
        }
        if (out.isEmpty()) {
            throw ApiException.invalidParam("input", "'input' must hold at least one item.");
        }
        return out;
    }

    private static ObjectNode message(String role, String text) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("id", newId("msg_")).put("type", "message").put("role", role).put("status", "completed");
        m.putArray("content").addObject().put("type", "input_text").put("text", text);
        return m;
    }

    private static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");

    private static ObjectNode item(JsonNode item, String at) {
        if (!item.isObject()) {
            throw ApiException.invalidParam(at, "'" + at + "' must be an object (an input item).");
        }
        String type = item.hasNonNull("type") ? item.get("type").asText() : item.has("role") ? "message" : "";
        ObjectNode out = Json.MAPPER.createObjectNode();
        switch (type) {
            case "message" -> {
                String role = item.path("role").asText();
                if (!ROLES.contains(role)) {
                    throw ApiException.invalidParam(at + ".role", "'" + at + ".role' must be one of user, assistant, "
                            + "system, developer.");
                }
                out.put("id", text(item, "id", newId("msg_"))).put("type", "message").put("role", role)
                        .put("status", "completed");
                ArrayNode parts = out.putArray("content");
                JsonNode content = item.get("content");
                String partType = "assistant".equals(role) ? "output_text" : "input_text";
                if (content != null && content.isTextual()) {
                    parts.addObject().put("type", partType).put("text", content.asText());
                } else if (content != null && content.isArray()) {
                    for (int j = 0; j < content.size(); j++) {
                        JsonNode part = content.get(j);
                        String p = at + ".content[" + j + "]";
                        String t = part.path("type").asText();
                        switch (t) {
                            case "input_text", "output_text", "text" -> {
                                if (!part.path("text").isTextual()) {
                                    throw ApiException.invalidParam(p + ".text", "'" + p + ".text' must be a string.");
                                }
                                ObjectNode copy = parts.addObject().put("type", t.equals("text") ? partType : t)
                                        .put("text", part.get("text").asText());
                                if (t.equals("output_text")) {
                                    copy.putArray("annotations");
                                }
                            }
                            case "refusal" -> parts.addObject().put("type", "refusal")
                                    .put("refusal", part.path("refusal").asText());
                            case "input_image", "input_file", "input_audio" -> throw ApiException.badRequest(
                                    p + ".type", "unsupported_parameter", "'" + t + "' content is not supported by "
                                            + "this server, which serves a text-only model; send text parts.");
                            default -> throw ApiException.invalidParam(p + ".type", "'" + p + ".type' must be "
                                    + "input_text or output_text (got " + abbreviate(t) + ").");
                        }
                    }
                } else {
                    throw ApiException.invalidParam(at + ".content", "'" + at + ".content' must be a string or a "
                            + "list of content parts.");
                }
            }
            case "function_call" -> {
                requireText(item, "call_id", at);
                requireText(item, "name", at);
                requireText(item, "arguments", at);
                out.put("id", text(item, "id", newId("fc_"))).put("type", "function_call")
                        .put("call_id", item.get("call_id").asText()).put("name", item.get("name").asText())
                        .put("arguments", item.get("arguments").asText()).put("status", "completed");
            }
            case "function_call_output" -> {
                requireText(item, "call_id", at);
                JsonNode output = item.get("output");
                String text;
                if (output != null && output.isTextual()) {
                    text = output.asText();
                } else if (output != null && output.isArray()) {
                    StringBuilder sb = new StringBuilder();
                    for (int j = 0; j < output.size(); j++) {
                        if (!"input_text".equals(output.get(j).path("type").asText())) {
                            throw ApiException.badRequest(at + ".output[" + j + "].type", "unsupported_parameter",
                                    "Only input_text parts are supported in a function call's output.");
                        }
                        sb.append(output.get(j).path("text").asText());
                    }
                    text = sb.toString();
                } else {
                    throw ApiException.invalidParam(at + ".output", "'" + at + ".output' must be a string.");
                }
                out.put("id", text(item, "id", newId("fco_"))).put("type", "function_call_output")
                        .put("call_id", item.get("call_id").asText()).put("output", text).put("status", "completed");
            }
            case "reasoning" -> {
                out.put("id", text(item, "id", newId("rs_"))).put("type", "reasoning");
                out.set("summary", item.has("summary") && item.get("summary").isArray() ? item.get("summary")
                        : Json.MAPPER.createArrayNode());
                if (item.has("content") && item.get("content").isArray()) {
                    out.set("content", item.get("content"));
                }
            }
            default -> throw ApiException.badRequest(at + ".type", "unsupported_parameter", "'" + at + ".type' is "
                    + abbreviate(type) + ": input items of that type are not supported by this server; send message,"
                    + " function_call, function_call_output or reasoning items.");
        }
        return out;
    }

    private static void requireText(JsonNode item, String field, String at) {
        if (!item.path(field).isTextual()) {
            throw ApiException.invalidParam(at + "." + field, "'" + at + "." + field + "' is required (a string).");
        }
    }

    private static String text(JsonNode item, String field, String otherwise) {
        return item.path(field).isTextual() ? item.get(field).asText() : otherwise;
    }

    /**
     * Stored items as chat messages: consecutive function calls make one assistant message with several tool calls,
     * a reasoning item becomes the next assistant message's reasoning, a function call output a tool message.
     */
    static ArrayNode messages(String instructions, List<JsonNode> items) {
        ArrayNode messages = Json.MAPPER.createArrayNode();
        if (instructions != null) {
            messages.addObject().put("role", "system").put("content", instructions);
        }
        StringBuilder reasoning = new StringBuilder();
        ObjectNode last = null;
        for (JsonNode item : items) {
            switch (item.path("type").asText()) {
                case "message" -> {
                    ObjectNode m = messages.addObject().put("role", item.get("role").asText());
                    StringBuilder text = new StringBuilder();
                    for (JsonNode part : item.get("content")) {
                        text.append(part.has("text") ? part.get("text").asText() : part.path("refusal").asText());
                    }
                    m.put("content", text.toString());
                    if ("assistant".equals(item.get("role").asText()) && !reasoning.isEmpty()) {
                        m.put("reasoning_content", reasoning.toString());
                        reasoning.setLength(0);
                    }
                    last = m;
                }
                case "function_call" -> {
                    ObjectNode m = last;
                    if (m == null || !"assistant".equals(m.path("role").asText()) || last != messages.get(
                            messages.size() - 1)) {
                        m = messages.addObject().put("role", "assistant");
                        m.putNull("content");
                        if (!reasoning.isEmpty()) {
                            m.put("reasoning_content", reasoning.toString());
                            reasoning.setLength(0);
                        }
                    }
                    ArrayNode calls = m.has("tool_calls") ? (ArrayNode) m.get("tool_calls") : m.putArray("tool_calls");
                    ObjectNode call = calls.addObject().put("id", item.get("call_id").asText()).put("type", "function");
                    call.putObject("function").put("name", item.get("name").asText())
                            .put("arguments", item.get("arguments").asText());
                    last = m;
                }
                case "function_call_output" -> last = messages.addObject().put("role", "tool")
                        .put("tool_call_id", item.get("call_id").asText()).put("content", item.get("output").asText());
                case "reasoning" -> {
                    for (JsonNode part : item.path("content")) {
                        reasoning.append(part.path("text").asText());
                    }
                    if (!item.has("content")) {
                        for (JsonNode part : item.path("summary")) {
                            reasoning.append(part.path("text").asText());
                        }
                    }
                }
                default -> throw new IllegalStateException("unexpected stored item " + item.path("type"));
            }
        }
        return messages;
    }

    /** Function tools in the chat shape; built-in tools are refused by name. */
    static ArrayNode tools(List<JsonNode> tools) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            String at = "tools[" + i + "]";
            String type = t == null ? "" : t.path("type").asText();
            if (!"function".equals(type)) {
                throw ApiException.badRequest(at + ".type", "unsupported_parameter", "'" + abbreviate(type)
                        + "' tools are not supported by this server; only 'function' tools are (built-in tools such "
                        + "as web search, file search or code interpreter are OpenAI's own).");
            }
            ObjectNode fn = Json.MAPPER.createObjectNode();
            for (String field : List.of("name", "description", "parameters", "strict")) {
                if (t.has(field)) {
                    fn.set(field, t.get(field));
                }
            }
            out.addObject().put("type", "function").set("function", fn);
        }
        return out;
    }

    /** {@code none}, {@code auto}, {@code required} or {@code {"type":"function","name":...}} in the chat shape. */
    static JsonNode toolChoice(JsonNode choice) {
        if (choice == null || choice.isNull() || choice.isTextual()) {
            return choice;
        }
        if (choice.isObject() && "function".equals(choice.path("type").asText()) && choice.path("name").isTextual()) {
            ObjectNode out = Json.MAPPER.createObjectNode().put("type", "function");
            out.putObject("function").put("name", choice.get("name").asText());
            return out;
        }
        throw ApiException.badRequest("tool_choice", "unsupported_parameter", "'tool_choice' must be none, auto, "
                + "required or {\"type\": \"function\", \"name\": ...}; built-in tool choices are not supported.");
    }

    /** {@code text.format} as a chat {@code response_format}, or null for free text. */
    static JsonNode responseFormat(JsonNode text) {
        if (text == null || text.isNull()) {
            return null;
        }
        if (!text.isObject()) {
            throw ApiException.invalidParam("text", "'text' must be an object with a 'format'.");
        }
        JsonNode verbosity = text.get("verbosity");
        if (verbosity != null && !verbosity.isNull() && !"medium".equals(verbosity.asText())) {
            throw ApiException.badRequest("text.verbosity", "unsupported_parameter",
                    "'text.verbosity' other than medium is not supported by this server.");
        }
        JsonNode format = text.get("format");
        if (format == null || format.isNull()) {
            return null;
        }
        String type = format.path("type").asText();
        return switch (type) {
            case "text" -> null;
            case "json_object" -> Json.MAPPER.createObjectNode().put("type", "json_object");
            case "json_schema" -> {
                if (!format.path("name").isTextual()) {
                    throw ApiException.invalidParam("text.format.name", "'text.format.name' is required.");
                }
                if (!format.path("schema").isObject()) {
                    throw ApiException.invalidParam("text.format.schema",
                            "'text.format.schema' is required (a JSON Schema object).");
                }
                ObjectNode rf = Json.MAPPER.createObjectNode().put("type", "json_schema");
                ObjectNode js = rf.putObject("json_schema");
                for (String field : List.of("name", "description", "schema", "strict")) {
                    if (format.has(field)) {
                        js.set(field, format.get(field));
                    }
                }
                yield rf;
            }
            default -> throw ApiException.invalidParam("text.format.type",
                    "'text.format.type' must be one of text, json_object, json_schema.");
        };
    }

    /** {@code reasoning.effort}, or null; a summary cannot be produced, so only {@code auto} is accepted. */
    static String reasoningEffort(JsonNode reasoning) {
        if (reasoning == null || reasoning.isNull()) {
            return null;
        }
        if (!reasoning.isObject()) {
            throw ApiException.invalidParam("reasoning", "'reasoning' must be an object.");
        }
        for (String field : List.of("summary", "generate_summary")) {
            JsonNode s = reasoning.get(field);
            if (s != null && !s.isNull() && !"auto".equals(s.asText())) {
                throw ApiException.badRequest("reasoning." + field, "unsupported_parameter", "Reasoning summaries "
                        + "are not produced by this server; the reasoning comes back as reasoning_text.");
            }
        }
        JsonNode effort = reasoning.get("effort");
        return effort == null || effort.isNull() ? null : effort.asText();
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
