package io.djinn.api;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import java.util.regex.Pattern;

/** Checks a {@link JsonShape}; the violation message names what was expected. */
public class JsonShapeValidator implements ConstraintValidator<JsonShape, JsonNode> {

    static final int MAX_STOP_SEQUENCES = 32;
    private static final Pattern FUNCTION_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    private JsonShape.Shape shape;

    @Override
    public void initialize(JsonShape annotation) {
        shape = annotation.value();
    }

    @Override
    public boolean isValid(JsonNode value, ConstraintValidatorContext context) {
        if (value == null || value.isNull()) {
            return true;
        }
        String problem = switch (shape) {
            case STOP -> stop(value);
            case TOOL -> tool(value);
            case TOOL_CHOICE -> toolChoice(value);
            case RESPONSE_FORMAT -> responseFormat(value);
            case STRUCTURED_OUTPUTS -> structuredOutputs(value);
            case TOOL_CALLS -> toolCalls(value);
        };
        if (problem == null) {
            return true;
        }
        context.disableDefaultConstraintViolation();
        context.buildConstraintViolationWithTemplate(problem.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")
                .replace("$", "\\$"))
                .addConstraintViolation();
        return false;
    }

    private static String toolCalls(JsonNode v) {
        if (v.isArray()) {
            for (JsonNode call : v) {
                if (!call.isObject()) {
                    return "must be a list of tool call objects";
                }
            }
            return null;
        }
        return "must be a list of tool call objects";
    }

    private static String stop(JsonNode v) {
        String expected = "must be a non-empty string or a list of at most " + MAX_STOP_SEQUENCES
                + " non-empty strings";
        if (v.isTextual()) {
            return v.asText().isEmpty() ? expected : null;
        }
        if (!v.isArray() || v.size() > MAX_STOP_SEQUENCES) {
            return expected;
        }
        for (JsonNode s : v) {
            if (!s.isTextual() || s.asText().isEmpty()) {
                return expected;
            }
        }
        return null;
    }

    private static String tool(JsonNode v) {
        if (!v.isObject() || !"function".equals(v.path("type").asText(null))) {
            return "must be an object with \"type\": \"function\"";
        }
        return function(v.get("function"), true);
    }

    private static String function(JsonNode f, boolean full) {
        if (f == null || !f.isObject()) {
            return "must have a \"function\" object";
        }
        JsonNode name = f.get("name");
        if (name == null || !name.isTextual() || !FUNCTION_NAME.matcher(name.asText()).matches()) {
            return "must name its function with 1 to 64 letters, digits, '_' or '-'";
        }
        if (full) {
            JsonNode description = f.get("description");
            if (description != null && !description.isNull() && !description.isTextual()) {
                return "must have a string \"description\" when it has one";
            }
            JsonNode parameters = f.get("parameters");
            if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
                return "must have a JSON Schema object as \"parameters\" when it has one";
            }
            JsonNode strict = f.get("strict");
            if (strict != null && !strict.isNull() && !strict.isBoolean()) {
                return "must have a boolean \"strict\" when it has one";
            }
        }
        return null;
    }

    private static String toolChoice(JsonNode v) {
        if (v.isTextual()) {
            return switch (v.asText()) {
                case "none", "auto", "required" -> null;
                default -> "must be \"none\", \"auto\", \"required\" or {\"type\":\"function\",\"function\":"
                        + "{\"name\":...}}";
            };
        }
        if (!v.isObject() || !"function".equals(v.path("type").asText(null))) {
            return "must be \"none\", \"auto\", \"required\" or {\"type\":\"function\",\"function\":{\"name\":...}}";
        }
        return function(v.get("function"), false);
    }

    private static String structuredOutputs(JsonNode v) {
        if (!v.isObject()) {
            return "must be an object with one of json, regex, choice, json_object";
        }
        int kinds = 0;
        for (var it = v.fieldNames(); it.hasNext();) {
            String key = it.next();
            JsonNode value = v.get(key);
            if (value.isNull()) {
                continue;
            }
            switch (key) {
                case "json" -> {
                    if (!value.isObject() && !value.isTextual()) {
                        return "must have a JSON Schema (object or JSON text) as \"json\"";
                    }
                }
                case "regex" -> {
                    if (!value.isTextual()) {
                        return "must have a string as \"regex\"";
                    }
                }
                case "choice" -> {
                    if (!value.isArray() || value.isEmpty()) {
                        return "must have a non-empty array of strings as \"choice\"";
                    }
                    for (JsonNode c : value) {
                        if (!c.isTextual()) {
                            return "must have a non-empty array of strings as \"choice\"";
                        }
                    }
                }
                case "json_object" -> {
                    if (!value.isBoolean()) {
                        return "must have a boolean as \"json_object\"";
                    }
                    if (!value.asBoolean()) {
                        continue;
                    }
                }
                default -> {
                    return "has '" + key + "', which this server does not support (supported: json, regex, choice, "
                            + "json_object)";
                }
            }
            kinds++;
        }
        return kinds == 1 ? null : "must have exactly one of json, regex, choice, json_object";
    }

    private static String responseFormat(JsonNode v) {
        if (!v.isObject()) {
            return "must be an object with a \"type\"";
        }
        return switch (v.path("type").asText("")) {
            case "text", "json_object" -> null;
            case "json_schema" -> {
                JsonNode js = v.get("json_schema");
                if (js == null || !js.isObject()) {
                    yield "of type json_schema must have a \"json_schema\" object";
                }
                JsonNode name = js.get("name");
                if (name == null || !name.isTextual() || !FUNCTION_NAME.matcher(name.asText()).matches()) {
                    yield "must name its json_schema with 1 to 64 letters, digits, '_' or '-'";
                }
                JsonNode schema = js.get("schema");
                if (schema != null && !schema.isNull() && !schema.isObject()) {
                    yield "must have a JSON Schema object as \"json_schema.schema\"";
                }
                yield null;
            }
            default -> "must have \"type\" text, json_object or json_schema";
        };
    }
}
