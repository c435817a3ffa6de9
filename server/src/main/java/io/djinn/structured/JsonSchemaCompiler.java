package io.djinn.structured;

import static io.djinn.structured.Node.call;
import static io.djinn.structured.Node.literal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON Schema (OpenAI strict-mode subset) to grammar. Supported: {@code type} (a name or an array of names),
 * {@code properties}, {@code required}, {@code additionalProperties} (false or absent), {@code items}, {@code enum},
 * {@code const}, {@code anyOf}, {@code $ref} to {@code #} or any JSON pointer in the document ({@code $defs},
 * {@code definitions}), recursion included. Annotations are ignored; any other keyword is a
 * {@link SchemaException} naming its path, so a request never silently gets less than it asked for.
 *
 * <p>Objects emit their declared properties in schema order, each optional one independently, every required one
 * always, no other key. {@code $ref} targets become rules (recursion); strings and numbers call the shared rules
 * (their masks are cached once for all schemas); everything else is inlined into the referencing rule.
 */
final class JsonSchemaCompiler {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final Set<String> ANNOTATIONS = Set.of("title", "description", "$schema", "$id", "$comment", "default",
            "examples", "strict", "deprecated", "readOnly", "writeOnly");
    private static final Set<String> KEYWORDS = Set.of("type", "properties", "required", "additionalProperties",
            "items", "enum", "const", "anyOf", "$ref", "$defs", "definitions");
    private static final Set<String> TYPES = Set.of("string", "number", "integer", "boolean", "null", "object",
            "array");

    private final JsonNode document;
    private final Map<String, Rule> refs = new HashMap<>();
    private final ArrayDeque<Runnable> pending = new ArrayDeque<>();

    private JsonSchemaCompiler(JsonNode document) {
        this.document = document;
    }

    static Rule compile(JsonNode schema) {
        JsonSchemaCompiler c = new JsonSchemaCompiler(schema);
        Rule root = c.rule("#", "");
        // Definitions are checked even when unused: a schema with an unsupported keyword anywhere is refused.
        for (String container : List.of("$defs", "definitions")) {
            JsonNode defs = schema.path(container);
            if (defs.isObject()) {
                for (Iterator<String> it = defs.fieldNames(); it.hasNext(); ) {
                    String name = it.next();
                    c.rule("#/" + container + "/" + name.replace("~", "~0").replace("/", "~1"),
                            container + "." + name);
                }
            } else if (!defs.isMissingNode()) {
                throw new SchemaException(container, container + " must be an object");
            }
        }
        while (!c.pending.isEmpty()) {
            c.pending.pop().run();
        }
        return root;
    }

    /** The rule of a JSON pointer into the document; its body is compiled after the current one. */
    private Rule rule(String pointer, String path) {
        Rule r = refs.get(pointer);
        if (r != null) {
            return r;
        }
        JsonNode target = pointer.equals("#") ? document : document.at(pointer.substring(1));
        if (target.isMissingNode()) {
            throw new SchemaException(path, "$ref " + pointer + " does not resolve within the schema");
        }
        String rulePath = pointerPath(pointer);
        Rule created = new Rule(pointer);
        refs.put(pointer, created);
        pending.add(() -> created.define(schema(target, rulePath)));
        return created;
    }

    private static String pointerPath(String pointer) {
        if (pointer.equals("#")) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (String part : pointer.substring(2).split("/", -1)) {
            if (!sb.isEmpty()) {
                sb.append('.');
            }
            sb.append(part.replace("~1", "/").replace("~0", "~"));
        }
        return sb.toString();
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    Node schema(JsonNode s, String path) {
        if (s.isBoolean()) {
            if (s.booleanValue()) {
                return call(JsonRules.VALUE);
            }
            throw new SchemaException(path, "the schema false admits no value");
        }
        if (!s.isObject()) {
            throw new SchemaException(path, "a schema must be an object or a boolean");
        }
        List<String> constraints = new ArrayList<>();
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (ANNOTATIONS.contains(key)) {
                continue;
            }
            if (!KEYWORDS.contains(key)) {
                throw new SchemaException(join(path, key), "unsupported JSON Schema keyword '" + key + "'");
            }
            if (!key.equals("$defs") && !key.equals("definitions")) {
                constraints.add(key);
            }
        }
        if (s.has("$ref")) {
            only(constraints, Set.of("$ref"), path, "$ref");
            JsonNode ref = s.get("$ref");
            if (!ref.isTextual() || !(ref.asText().equals("#") || ref.asText().startsWith("#/"))) {
                throw new SchemaException(join(path, "$ref"), "only local references (#, #/$defs/...) are supported");
            }
            return call(rule(ref.asText(), join(path, "$ref")));
        }
        if (s.has("anyOf")) {
            only(constraints, Set.of("anyOf"), path, "anyOf");
            JsonNode options = s.get("anyOf");
            if (!options.isArray() || options.isEmpty()) {
                throw new SchemaException(join(path, "anyOf"), "anyOf must be a non-empty array");
            }
            List<Node> alts = new ArrayList<>();
            for (int i = 0; i < options.size(); i++) {
                alts.add(schema(options.get(i), join(path, "anyOf." + i)));
            }
            return new Node.Alt(alts);
        }
        List<String> types = types(s, path);
        if (s.has("enum") || s.has("const")) {
            only(constraints, Set.of("enum", "const", "type"), path, s.has("enum") ? "enum" : "const");
            return values(s, types, path);
        }
        if (types.isEmpty()) {
            boolean object = s.has("properties") || s.has("required") || s.has("additionalProperties");
            boolean array = s.has("items");
            if (object) {
                types.add("object");
            }
            if (array) {
                types.add("array");
            }
            if (types.isEmpty()) {
                return call(JsonRules.VALUE);
            }
        }
        if (types.contains("number")) {
            types.remove("integer"); // number already admits every integer
        }
        List<Node> alts = new ArrayList<>();
        for (String type : types) {
            alts.add(switch (type) {
                case "string" -> call(JsonRules.STRING);
                case "integer" -> call(JsonRules.INTEGER);
                case "number" -> call(JsonRules.NUMBER);
                case "boolean" -> call(JsonRules.BOOLEAN);
                case "null" -> call(JsonRules.NULL);
                case "object" -> object(s, path);
                case "array" -> array(s, path);
                default -> throw new IllegalStateException(type);
            });
        }
        return alts.size() == 1 ? alts.getFirst() : new Node.Alt(alts);
    }

    /** Keywords that combine with {@code keyword} (anything else would need an intersection we do not compute). */
    private static void only(List<String> constraints, Set<String> allowed, String path, String keyword) {
        for (String c : constraints) {
            if (!allowed.contains(c)) {
                throw new SchemaException(join(path, c), "'" + c + "' cannot be combined with '" + keyword + "'");
            }
        }
    }

    private static List<String> types(JsonNode s, String path) {
        Set<String> out = new LinkedHashSet<>();
        JsonNode t = s.get("type");
        if (t == null) {
            return new ArrayList<>();
        }
        if (t.isTextual()) {
            addType(out, t, join(path, "type"));
        } else if (t.isArray() && !t.isEmpty()) {
            for (int i = 0; i < t.size(); i++) {
                addType(out, t.get(i), join(path, "type." + i));
            }
        } else {
            throw new SchemaException(join(path, "type"), "type must be a type name or a non-empty array of them");
        }
        return new ArrayList<>(out);
    }

    private static void addType(Set<String> out, JsonNode t, String path) {
        if (!t.isTextual() || !TYPES.contains(t.asText())) {
            throw new SchemaException(path, "unknown type " + t);
        }
        out.add(t.asText());
    }

    private Node object(JsonNode s, String path) {
        JsonNode additional = s.get("additionalProperties");
        if (additional != null && !(additional.isBoolean() && !additional.booleanValue())) {
            throw new SchemaException(join(path, "additionalProperties"),
                    "only additionalProperties: false is supported (strict mode)");
        }
        JsonNode props = s.get("properties");
        if (props != null && !props.isObject()) {
            throw new SchemaException(join(path, "properties"), "properties must be an object");
        }
        Set<String> required = new LinkedHashSet<>();
        JsonNode req = s.get("required");
        if (req != null) {
            if (!req.isArray()) {
                throw new SchemaException(join(path, "required"), "required must be an array of property names");
            }
            for (JsonNode r : req) {
                if (!r.isTextual()) {
                    throw new SchemaException(join(path, "required"), "required must be an array of property names");
                }
                if (props == null || !props.has(r.asText())) {
                    throw new SchemaException(join(path, "required"),
                            "required property '" + r.asText() + "' is not declared in properties");
                }
                required.add(r.asText());
            }
        }
        if (props == null || props.isEmpty()) {
            return literal("{}");
        }
        List<Node> members = new ArrayList<>();
        boolean[] isRequired = new boolean[props.size()];
        int i = 0;
        for (Map.Entry<String, JsonNode> e : props.properties()) {
            members.add(Node.seq(literal(quote(e.getKey())), JsonRules.COLON,
                    schema(e.getValue(), join(path, "properties." + e.getKey()))));
            isRequired[i++] = required.contains(e.getKey());
        }
        return Node.seq(literal("{"), new Node.Members(members, isRequired, JsonRules.COMMA), literal("}"));
    }

    private Node array(JsonNode s, String path) {
        JsonNode items = s.get("items");
        Node item;
        if (items == null) {
            item = call(JsonRules.VALUE);
        } else if (items.isObject() || items.isBoolean()) {
            if (items.isBoolean() && !items.booleanValue()) {
                return literal("[]");
            }
            item = schema(items, join(path, "items"));
        } else {
            throw new SchemaException(join(path, "items"), "items must be a schema (tuple arrays are not supported)");
        }
        return Node.seq(literal("["), Node.optional(new Node.Repeat(item, JsonRules.COMMA, 1, -1)), literal("]"));
    }

    /** enum / const: each value as a literal (compact, with the optional spaces), filtered by type if given. */
    private Node values(JsonNode s, List<String> types, String path) {
        List<JsonNode> values = new ArrayList<>();
        String key;
        if (s.has("enum")) {
            if (s.has("const")) {
                throw new SchemaException(join(path, "const"), "'const' cannot be combined with 'enum'");
            }
            key = "enum";
            JsonNode e = s.get("enum");
            if (!e.isArray() || e.isEmpty()) {
                throw new SchemaException(join(path, "enum"), "enum must be a non-empty array");
            }
            e.forEach(values::add);
        } else {
            key = "const";
            values.add(s.get("const"));
        }
        List<Node> alts = new ArrayList<>();
        for (JsonNode v : values) {
            if (types.isEmpty() || types.stream().anyMatch(t -> hasType(v, t))) {
                alts.add(literalValue(v));
            }
        }
        if (alts.isEmpty()) {
            throw new SchemaException(join(path, key), "no " + key + " value has the schema's type");
        }
        return alts.size() == 1 ? alts.getFirst() : new Node.Alt(alts);
    }

    private static boolean hasType(JsonNode v, String type) {
        return switch (type) {
            case "string" -> v.isTextual();
            case "integer" -> v.isIntegralNumber() || v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0;
            case "number" -> v.isNumber();
            case "boolean" -> v.isBoolean();
            case "null" -> v.isNull();
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            default -> false;
        };
    }

    static Node literalValue(JsonNode v) {
        if (v.isObject()) {
            List<Node> parts = new ArrayList<>();
            parts.add(literal("{"));
            boolean first = true;
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                if (!first) {
                    parts.add(JsonRules.COMMA);
                }
                first = false;
                parts.add(literal(quote(e.getKey())));
                parts.add(JsonRules.COLON);
                parts.add(literalValue(e.getValue()));
            }
            parts.add(literal("}"));
            return new Node.Seq(parts);
        }
        if (v.isArray()) {
            List<Node> parts = new ArrayList<>();
            parts.add(literal("["));
            for (int i = 0; i < v.size(); i++) {
                if (i > 0) {
                    parts.add(JsonRules.COMMA);
                }
                parts.add(literalValue(v.get(i)));
            }
            parts.add(literal("]"));
            return new Node.Seq(parts);
        }
        try {
            return literal(JSON.writeValueAsString(v));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A key or string as JSON text, escaped the way Jackson writes it. */
    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
