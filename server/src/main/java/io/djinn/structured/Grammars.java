package io.djinn.structured;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds grammars. Every factory compiles eagerly, so that a bad schema or regex fails at request validation
 * (a {@link SchemaException}), never mid-generation. Schema and regex grammars are kept in a small LRU by their
 * source, so that a request repeating a schema reuses the masks its predecessors computed.
 */
public final class Grammars {
    private Grammars() {}

    private static final int CACHE_SIZE = 64;
    private static final Map<Object, Grammar> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Object, Grammar> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    private record RegexKey(String pattern) {}

    /** Keyed by the schema's text: property order matters (it is the emission order), JsonNode.equals ignores it. */
    private record SchemaKey(String json) {}

    /** json_object: any JSON document whose top level is an object. */
    public static Grammar jsonObject() {
        return checked(JsonRules.OBJECT);
    }

    /** json_schema (strict): documents valid against the schema; see {@link JsonSchemaCompiler} for the subset. */
    public static Grammar jsonSchema(JsonNode schema) {
        JsonNode copy = schema.deepCopy();
        return cached(new SchemaKey(copy.toString()), k -> checked(JsonSchemaCompiler.compile(copy)));
    }

    /** Whole-output match of a regular expression; see {@link RegexParser} for the syntax. */
    public static Grammar regex(String pattern) {
        return cached(new RegexKey(pattern), k -> checked(new Rule("regex", RegexParser.parse(pattern))));
    }

    /** Exactly one of the strings. */
    public static Grammar choice(List<String> options) {
        if (options.isEmpty()) {
            throw new SchemaException("", "choice needs at least one option");
        }
        List<Node> alts = new ArrayList<>();
        for (String o : options) {
            alts.add(Node.literal(o));
        }
        return checked(new Rule("choice", new Node.Alt(alts)));
    }

    /** Exactly this text. */
    public static Grammar literal(String text) {
        return checked(new Rule("literal", Node.literal(text)));
    }

    /** The parts one after the other. */
    public static Grammar sequence(Grammar... parts) {
        List<Node> nodes = new ArrayList<>();
        for (Grammar g : parts) {
            nodes.add(Node.call((Rule) g));
        }
        return checked(new Rule("sequence", new Node.Seq(nodes)));
    }

    /** Any one of the options. */
    public static Grammar anyOf(Grammar... options) {
        if (options.length == 0) {
            throw new SchemaException("", "anyOf needs at least one option");
        }
        List<Node> nodes = new ArrayList<>();
        for (Grammar g : options) {
            nodes.add(Node.call((Rule) g));
        }
        return checked(new Rule("anyOf", new Node.Alt(nodes)));
    }

    /**
     * {@code min} to {@code max} items ({@code max = -1}: unbounded), with the separator (nullable) between them.
     */
    public static Grammar repeat(Grammar item, Grammar separator, int min, int max) {
        if (min < 0 || max < -1 || max >= 0 && max < min) {
            throw new IllegalArgumentException("bad repeat bounds: min " + min + ", max " + max);
        }
        Node sep = separator == null ? null : Node.call((Rule) separator);
        return checked(new Rule("repeat", new Node.Repeat(Node.call((Rule) item), sep, min, max)));
    }

    private static Grammar checked(Rule rule) {
        if (rule.compiled().minLength() >= Compiler.INF) {
            throw new SchemaException("", "the grammar admits no finite document");
        }
        return rule;
    }

    private static Grammar cached(Object key, Function<Object, Grammar> build) {
        synchronized (CACHE) {
            Grammar g = CACHE.get(key);
            if (g != null) {
                return g;
            }
        }
        Grammar g = build.apply(key);
        synchronized (CACHE) {
            CACHE.putIfAbsent(key, g);
            return CACHE.get(key);
        }
    }
}
