package io.djinn.api;

import io.djinn.common.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Issue 16's fuzz families on top of {@link MalformedBodies}: hostile request templates ("templates": file loads,
 * runaway loops, exploding output, deep nesting, recursion, reflection) and oversized text in every field a request
 * can carry ("oversized fields": tools, stop, bad_words, documents, template kwargs, guided fields, a /tokenize
 * prompt; sizes around and over the limits). Each body is for {@code /v1/chat/completions} or {@code /tokenize}.
 */
final class AdversarialBodies {

    record Body(String path, byte[] json, String family) {}

    private static final String[] TEMPLATES = {
        "{% include 'application.properties' %}",
        "{% include 'META-INF/MANIFEST.MF' %}",
        "{% import 'io/djinn/api/ChatPrompts.class' as c %}{{ c }}",
        "{% from 'application.properties' import x %}{{ x }}",
        "{% extends 'application.properties' %}",
        "{{ 'a'|center(20000000) }}",
        "{{ 'ab' * 30000000 }}",
        "{% set s = 'ab' %}{% for i in range(30) %}{% set s = s ~ s %}{% endfor %}{{ s|length }}",
        "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}{% endfor %}{% endfor %}"
                + "{% endfor %}",
        "{% for a in range(1000) %}{% for b in range(1000) %}x{% endfor %}{% endfor %}",
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
        "{% set l = [] %}{% for i in range(1000) %}{% for j in range(1000) %}{% set _ = l.append(i) %}{% endfor %}"
                + "{% endfor %}{{ l|length }}",
        "{{ ''.getClass().forName('java.lang.Runtime') }}",
        "{{ messages.getClass().getClassLoader() }}",
        "{% for m in messages %}{{ m.content * 1000000 }}{% endfor %}",
        "{{ range(100000000)|list|length }}",
        "{% raw %}{% endraw %}{{ raise_exception('boom') }}",
        "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}{% endfor %}",
    };

    private static final String[] FIELDS = {"tools", "stop", "bad_words", "documents", "chat_template_kwargs",
        "guided_choice", "guided_regex", "guided_json", "messages", "prompt", "chat_template", "user",
        "tool_choice", "response_format"};

    private final SplittableRandom random;

    AdversarialBodies(long seed) {
        this.random = new SplittableRandom(seed);
    }

    Body next() {
        String path = random.nextBoolean() ? "/v1/chat/completions" : "/tokenize";
        return random.nextInt(3) == 0 ? oversized(path) : template(path);
    }

    private Map<String, Object> base() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("messages", List.of(Map.of("role", "user", "content", "hi")));
        body.put("max_tokens", 1);
        return body;
    }

    private Body template(String path) {
        Map<String, Object> body = base();
        String template;
        switch (random.nextInt(4)) {
            case 0 -> template = TEMPLATES[random.nextInt(TEMPLATES.length)];
            case 1 -> {
                int depth = 50 + random.nextInt(2000);
                String open = "([{".substring(random.nextInt(3)).substring(0, 1);
                String close = open.equals("(") ? ")" : open.equals("[") ? "]" : "}";
                template = "{{ " + open.repeat(depth) + "1" + close.repeat(depth) + " }}";
            }
            case 2 -> template = "{% if true %}".repeat(1 + random.nextInt(3000)) + "x";
            default -> template = TEMPLATES[random.nextInt(TEMPLATES.length)]
                    + TEMPLATES[random.nextInt(TEMPLATES.length)];
        }
        body.put("chat_template", template);
        return new Body(path, Json.write(body).getBytes(StandardCharsets.UTF_8), "templates");
    }

    private String text(int length) {
        return switch (random.nextInt(3)) {
            case 0 -> " ".repeat(length);
            case 1 -> "x".repeat(length);
            default -> "\n ".repeat(length / 2);
        };
    }

    private Body oversized(String path) {
        Map<String, Object> body = base();
        // Around the 2,000,000-character text limit, sometimes far over it (bodies stay under 10 MiB).
        int length = switch (random.nextInt(4)) {
            case 0 -> 1_000_000 + random.nextInt(1_000_000);
            case 1 -> 1_999_000 + random.nextInt(2_000);
            case 2 -> 2_000_001 + random.nextInt(1_000_000);
            default -> 5_000_000 + random.nextInt(4_000_000);
        };
        String big = text(length);
        String field = FIELDS[random.nextInt(FIELDS.length)];
        switch (field) {
            case "tools" -> body.put("tools", List.of(Map.of("type", "function", "function",
                    Map.of("name", random.nextBoolean() ? "f" : big, "description", big))));
            case "stop", "guided_choice" -> body.put(field, List.of(big));
            case "bad_words" -> {
                List<String> words = new ArrayList<>();
                for (int i = 0; i < 1024; i++) {
                    words.add("w" + big.substring(0, Math.min(big.length(), length / 1024)));
                }
                body.put("bad_words", words);
            }
            case "documents" -> body.put("documents", List.of(Map.of("text", big)));
            case "chat_template_kwargs" -> body.put("chat_template_kwargs", Map.of("k", big));
            case "guided_regex" -> body.put("guided_regex", "(".repeat(length / 1000) + "a"
                    + ")".repeat(length / 1000));
            case "guided_json" -> body.put("guided_json", Map.of("type", "string", "description", big));
            case "messages" -> body.put("messages", List.of(Map.of("role", "user", "content", big + "x")));
            case "prompt" -> {
                body.remove("messages");
                body.put("prompt", big + "x");
            }
            case "chat_template" -> body.put("chat_template", big);
            case "tool_choice" -> body.put("tool_choice", Map.of("type", "function", "function", Map.of("name", big)));
            case "response_format" -> body.put("response_format", Map.of("type", "json_schema", "json_schema",
                    Map.of("name", big, "schema", Map.of("type", "string"))));
            default -> body.put(field, big);
        }
        return new Body(path, Json.write(body).getBytes(StandardCharsets.UTF_8), "oversized fields");
    }
}
