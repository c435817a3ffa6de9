package io.djinn.api;

import io.djinn.common.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates malformed and adversarial chat-completion bodies from a seed: wrong types and out-of-range values at
 * every field, byte-level corruption, invalid UTF-8, lone surrogates, deep nesting, huge numbers, enormous strings
 * and non-object documents. {@code max_tokens} stays 1 in every body that is still valid, so that the occasional
 * request that passes validation costs one decode step rather than a full context of output.
 */
final class MalformedBodies {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String[] FIELDS = {"model", "messages", "temperature", "top_p", "top_k", "min_p", "n",
        "stream", "stream_options", "stop", "seed", "logprobs", "top_logprobs", "logit_bias", "presence_penalty",
        "frequency_penalty", "repetition_penalty", "response_format", "tools", "tool_choice", "user", "service_tier",
        "reasoning_effort", "chat_template", "chat_template_kwargs", "documents", "ignore_eos", "min_tokens",
        "stop_token_ids", "bad_words", "skip_special_tokens", "add_generation_prompt", "continue_final_message",
        "echo", "truncate_prompt_tokens", "best_of", "parallel_tool_calls", "x_unknown"};
    private static final String[] ROLES = {"system", "developer", "user", "assistant", "tool", "function", "",
        "USER", "robot"};

    /** Fields of /v1/responses and /v1/completions that chat does not have. */
    private static final String[] RESPONSES_FIELDS = {"input", "instructions", "text", "reasoning",
        "previous_response_id", "store", "metadata", "truncation", "background", "include", "tools", "tool_choice",
        "prompt_cache_key", "safety_identifier"};
    private static final String[] COMPLETIONS_FIELDS = {"prompt", "suffix", "echo", "logprobs", "best_of",
        "add_special_tokens"};

    /** The endpoint the bodies are for. */
    enum Endpoint {
        CHAT("messages", "max_tokens"), RESPONSES("input", "max_output_tokens"), COMPLETIONS("prompt", "max_tokens");

        final String list;
        final String maxTokens;

        Endpoint(String list, String maxTokens) {
            this.list = list;
            this.maxTokens = maxTokens;
        }
    }

    private final SplittableRandom random;
    private final Endpoint endpoint;
    private final String[] fields;

    MalformedBodies(long seed) {
        this(seed, Endpoint.CHAT);
    }

    MalformedBodies(long seed, Endpoint endpoint) {
        this.random = new SplittableRandom(seed);
        this.endpoint = endpoint;
        List<String> all = new ArrayList<>(List.of(FIELDS));
        all.addAll(List.of(endpoint == Endpoint.RESPONSES ? RESPONSES_FIELDS
                : endpoint == Endpoint.COMPLETIONS ? COMPLETIONS_FIELDS : new String[0]));
        this.fields = all.toArray(new String[0]);
    }

    byte[] next() {
        int kind = random.nextInt(100);
        if (kind < 45) {
            return bytes(mutateTree());
        } else if (kind < 65) {
            return corruptBytes(bytes(validBase()));
        } else if (kind < 75) {
            return invalidUtf8();
        } else if (kind < 82) {
            return deepNesting();
        } else if (kind < 88) {
            return hugeNumber();
        } else if (kind < 95) {
            return nonObject();
        } else if (kind < 99) {
            return randomBytes();
        }
        return enormousString();
    }

    private ObjectNode validBase() {
        ObjectNode root = F.objectNode();
        root.put(endpoint.maxTokens, 1);
        if (endpoint == Endpoint.COMPLETIONS) {
            root.put("prompt", "Hello there");
        } else {
            ArrayNode messages = root.putArray(endpoint.list);
            messages.addObject().put("role", "system").put("content", "Be brief.");
            messages.addObject().put("role", "user").put("content", "Hello there");
        }
        if (random.nextBoolean()) {
            root.put("model", "djinn-tiny-llama");
        }
        if (random.nextBoolean()) {
            root.put("stream", random.nextBoolean());
        }
        if (random.nextBoolean()) {
            root.put("temperature", random.nextDouble() * 2);
        }
        return root;
    }

    private ObjectNode mutateTree() {
        ObjectNode root = validBase();
        int mutations = 1 + random.nextInt(3);
        for (int i = 0; i < mutations; i++) {
            // Unknown fields (case 4) keep a body valid, so they only ever come on top of another mutation.
            switch (i == 0 ? pickInt(0, 1, 2, 3, 5) : random.nextInt(6)) {
                case 0 -> root.set(pick(fields), randomValue(0));
                case 1 -> mutateMessage(root);
                case 2 -> root.remove(endpoint.list);
                case 3 -> root.set(pick("max_tokens", "max_completion_tokens", endpoint.maxTokens), pickNode(F.numberNode(0), F.numberNode(-1), F.textNode("1"),
                        F.numberNode(1.5), F.numberNode(Long.MAX_VALUE), F.booleanNode(true), F.arrayNode(),
                        F.numberNode(new java.math.BigInteger("123456789012345678901234567890"))));
                case 4 -> root.set(randomString(1 + random.nextInt(30)), randomValue(0));
                default -> root.set(pick(fields), outOfRange());
            }
        }
        if (random.nextInt(10) < 7) {
            // Most bodies also get a value of the wrong type, so that valid ones (which cost a decode step) stay rare.
            root.set(pick("temperature", "top_p", endpoint.list, endpoint.maxTokens, "stream", "seed", "n", "stop"),
                    pickNode(F.textNode("wrong"), F.objectNode(), F.numberNode(1e300), F.booleanNode(true)));
        }
        return root;
    }

    private void mutateMessage(ObjectNode root) {
        JsonNode messages = root.get(endpoint.list);
        if (!(messages instanceof ArrayNode array) || array.isEmpty()) {
            root.set(endpoint.list, randomValue(0));
            return;
        }
        JsonNode target = array.get(random.nextInt(array.size()));
        if (!(target instanceof ObjectNode message)) {
            return;
        }
        switch (random.nextInt(7)) {
            case 0 -> message.put("role", pick(ROLES));
            case 1 -> message.set("role", randomValue(0));
            case 2 -> message.set("content", randomValue(0));
            case 3 -> message.remove(random.nextBoolean() ? "role" : "content");
            case 4 -> {
                ArrayNode parts = message.putArray("content");
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    ObjectNode part = parts.addObject();
                    part.put("type", random.nextInt(3) == 0 ? "image_url" : "text");
                    part.set("text", random.nextBoolean() ? F.textNode(randomString(20)) : randomValue(0));
                }
            }
            case 5 -> message.set(pick("name", "tool_calls", "tool_call_id", "reasoning_content"), randomValue(0));
            default -> array.add(randomValue(0));
        }
    }

    private JsonNode outOfRange() {
        return pickNode(F.numberNode(-1e308), F.numberNode(1e308), F.numberNode(-1), F.numberNode(3),
                F.numberNode(Integer.MAX_VALUE), F.numberNode(Integer.MIN_VALUE), F.numberNode(0), F.numberNode(-0.0),
                F.numberNode(1e-320), F.numberNode(1000), F.numberNode(21), F.numberNode(129), F.textNode("priority"),
                F.textNode("flex"), F.textNode("json_schema"));
    }

    private JsonNode randomValue(int depth) {
        int kind = random.nextInt(depth > 3 ? 6 : 9);
        return switch (kind) {
            case 0 -> F.nullNode();
            case 1 -> F.booleanNode(random.nextBoolean());
            case 2 -> F.numberNode(random.nextLong());
            case 3 -> F.numberNode(random.nextDouble() * Math.pow(10, random.nextInt(-10, 300)));
            case 4 -> F.textNode(randomString(random.nextInt(40)));
            case 5 -> F.numberNode(random.nextInt(-5, 5));
            case 6 -> {
                ArrayNode a = F.arrayNode();
                int n = random.nextInt(5);
                for (int i = 0; i < n; i++) {
                    a.add(randomValue(depth + 1));
                }
                yield a;
            }
            default -> {
                ObjectNode o = F.objectNode();
                int n = random.nextInt(5);
                for (int i = 0; i < n; i++) {
                    o.set(random.nextBoolean() ? pick("type", "text", "role", "content", "name", "json_schema",
                            "function", "include_usage") : randomString(8), randomValue(depth + 1));
                }
                yield o;
            }
        };
    }

    /** Arbitrary code points, including controls, surrogate halves, private use and astral characters. */
    private String randomString(int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(5)) {
                case 0 -> sb.append((char) random.nextInt(0, 0x20));
                case 1 -> sb.append((char) random.nextInt(0xD800, 0xE000));
                case 2 -> sb.appendCodePoint(random.nextInt(0x10000, 0x110000));
                case 3 -> sb.append((char) random.nextInt(0x20, 0xD800));
                default -> sb.append((char) random.nextInt(0x20, 0x7F));
            }
        }
        return sb.toString();
    }

    private byte[] corruptBytes(byte[] valid) {
        byte[] b = valid.clone();
        // The leading {"max_tokens":1 stays intact, so corruption cannot turn a body into a long generation.
        int keep = ("{\"" + endpoint.maxTokens + "\":1").length();
        int edits = 1 + random.nextInt(4);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b, 0, keep);
        for (int i = keep; i < b.length; i++) {
            int r = random.nextInt(b.length);
            if (r < edits) {
                switch (random.nextInt(3)) {
                    case 0 -> out.write(random.nextInt(256));
                    case 1 -> {
                        out.write(random.nextInt(256));
                        out.write(b[i]);
                    }
                    default -> { } // deleted
                }
            } else {
                out.write(b[i]);
            }
        }
        byte[] result = out.toByteArray();
        if (random.nextInt(5) == 0) {
            return java.util.Arrays.copyOf(result, keep + random.nextInt(Math.max(1, result.length - keep)));
        }
        return result;
    }

    private byte[] invalidUtf8() {
        byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0,
            (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}, {0x00}};
        String[] escapes = {"\\ud800", "\\udfff", "\\ud83d", "\\u0000", "\\uDBFF\\uDBFF", "\\uZZZZ", "\\x41"};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("{\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"ab".getBytes(
                StandardCharsets.UTF_8));
        if (random.nextBoolean()) {
            out.writeBytes(bad[random.nextInt(bad.length)]);
        } else {
            out.writeBytes(escapes[random.nextInt(escapes.length)].getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes("cd\"}]}".getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private byte[] deepNesting() {
        int depth = pickInt(100, 1000, 5000, 100_000);
        String open = random.nextBoolean() ? "[" : "{\"a\":";
        String close = open.equals("[") ? "]" : "}";
        String inner = open.repeat(depth) + "1" + close.repeat(depth);
        String body = switch (random.nextInt(3)) {
            case 0 -> inner;
            case 1 -> "{\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":" + inner + "}]}";
            default -> "{\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"chat_template_kwargs\":"
                    + "{\"x\":" + inner + "}}";
        };
        return body.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] hugeNumber() {
        String number = switch (random.nextInt(6)) {
            case 0 -> "1e999999";
            case 1 -> "-1e-999999";
            case 2 -> "9".repeat(1 + random.nextInt(5000));
            case 3 -> "1." + "1".repeat(2000);
            case 4 -> "NaN";
            default -> "-Infinity";
        };
        String field = pick("temperature", "max_tokens", "seed", "top_k", "n", "top_logprobs", "logit_bias");
        String value = field.equals("logit_bias") ? "{\"5\":" + number + "}" : number;
        String head = field.equals("max_tokens") ? "{" : "{\"max_tokens\":1,";
        return (head + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"" + field + "\":" + value + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private byte[] nonObject() {
        return pick("", " ", "null", "[]", "[{\"role\":\"user\"}]", "\"messages\"", "42", "true", "{", "}", "{}",
                "{\"messages\":[]}", "{\"messages\":null}", "{\"messages\":{}}", "{\"max_tokens\":1}{\"a\":1}",
                "{\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} trailing",
                "{'messages': []}", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],}", "\uFEFF{}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private byte[] randomBytes() {
        byte[] b = new byte[random.nextInt(1, 2000)];
        random.nextBytes(b);
        if (random.nextBoolean()) {
            b[0] = '{';
        }
        return b;
    }

    /** Rare (1%): a large string in a field that the server must not spend much work on. */
    private byte[] enormousString() {
        String big = "x".repeat(pickInt(100_000, 1_000_000, 3_000_000));
        String field = pick("model", "user", "stop", "chat_template", "tool_call_id", "unknown_field");
        String body = switch (field) {
            case "tool_call_id" -> "{\"max_tokens\":1,\"messages\":[{\"role\":\"tool\",\"content\":\"r\","
                    + "\"tool_call_id\":\"" + big + "\"}]}";
            default -> "{\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"" + field + "\":\""
                    + big + "\"}";
        };
        return body.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(JsonNode node) {
        return Json.write(node).getBytes(StandardCharsets.UTF_8);
    }

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[random.nextInt(options.length)];
    }

    private JsonNode pickNode(JsonNode... options) {
        return options[random.nextInt(options.length)];
    }

    private int pickInt(int... options) {
        return options[random.nextInt(options.length)];
    }

    static List<String> fields() {
        return new ArrayList<>(List.of(FIELDS));
    }
}
