package io.djinn.api;

import io.djinn.common.ApiException;
import io.djinn.common.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Path;
import jakarta.validation.Validator;
import java.util.Comparator;
import java.util.Set;

/**
 * Turns a raw body into a validated request record, or an OpenAI-shaped 400 that names the offending parameter.
 * Parsing is done here rather than by the framework so that every failure, from broken JSON to a value out of
 * range, reads the same way to the client.
 */
@ApplicationScoped
public class RequestParser {

    private final Validator validator;
    private final RequestLimits limits;

    public RequestParser(Validator validator, RequestLimits limits) {
        this.validator = validator;
        this.limits = limits;
    }

    /** The size and template limits every request is held to. */
    public RequestLimits limits() {
        return limits;
    }

    public <T> T parse(byte[] body, Class<T> type, java.util.function.Consumer<JsonNode> rawCheck) {
        if (body == null || body.length == 0) {
            throw ApiException.badRequest(null, "invalid_json", "The request body is empty; expected a JSON object.");
        }
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(body);
        } catch (StreamConstraintsException e) {
            throw ApiException.badRequest(null, "invalid_json", "The request body is too deeply nested or has an "
                    + "over-long number.");
        } catch (java.io.CharConversionException e) {
            throw ApiException.badRequest(null, "invalid_json", "The request body is not valid UTF-8.");
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(null, "invalid_json",
                    "The request body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiException.badRequest(null, "invalid_json", "The request body could not be read.");
        }
        if (tree == null || !tree.isObject()) {
            throw ApiException.badRequest(null, "invalid_json", "The request body must be a JSON object.");
        }
        limits.check(tree);
        T value;
        try {
            value = Json.MAPPER.treeToValue(tree, type);
        } catch (MismatchedInputException e) {
            String param = jsonPath(e);
            throw ApiException.badRequest(param, "invalid_type", "Invalid type for '" + param + "': expected "
                    + expected(e.getTargetType()) + " (values are not converted between JSON types).");
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(null, "invalid_value", "Invalid request: " + firstLine(e.getOriginalMessage()));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(null, "invalid_value", "Invalid request: " + firstLine(e.getMessage()));
        }
        Set<ConstraintViolation<T>> violations = validator.validate(value);
        if (!violations.isEmpty()) {
            ConstraintViolation<T> v = violations.stream()
                    .min(Comparator.comparing(c -> c.getPropertyPath().toString())).orElseThrow();
            String param = paramName(v.getPropertyPath());
            throw ApiException.invalidParam(param, "'" + param + "' " + v.getMessage()
                    + (v.getInvalidValue() == null ? "." : " (got " + abbreviate(v.getInvalidValue()) + ")."));
        }
        // After validation, so a malformed value reads as malformed before a well-formed one reads as unsupported.
        rawCheck.accept(tree);
        return value;
    }

    /** The JSON type a Java target type is read from, as the client would name it. */
    static String expected(Class<?> target) {
        if (target == null) {
            return "another JSON type";
        }
        if (target == Integer.class || target == int.class || target == Long.class || target == long.class
                || target == Short.class || target == short.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(target) || target == double.class || target == float.class) {
            return "a number";
        }
        if (target == Boolean.class || target == boolean.class) {
            return "a boolean";
        }
        if (CharSequence.class.isAssignableFrom(target) || target.isEnum()) {
            return "a string";
        }
        if (target.isArray() || java.util.Collection.class.isAssignableFrom(target)) {
            return "an array";
        }
        return "an object";
    }

    private static String jsonPath(MismatchedInputException e) {
        StringBuilder sb = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    /** Bean property path (camelCase, with indexes) in the API's snake_case: {@code messages[0].role}. */
    static String paramName(Path path) {
        StringBuilder sb = new StringBuilder();
        for (Path.Node node : path) {
            if (node.getName() == null || node.getName().startsWith("<")) {
                if (node.getIndex() != null) {
                    sb.append('[').append(node.getIndex()).append(']');
                }
                continue;
            }
            if (node.getIndex() != null && !sb.isEmpty() && sb.charAt(sb.length() - 1) != ']') {
                sb.append('[').append(node.getIndex()).append(']');
            }
            if (!sb.isEmpty()) {
                sb.append('.');
            }
            sb.append(snake(node.getName()));
        }
        return sb.toString();
    }

    static String snake(String camel) {
        StringBuilder sb = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append('_').append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return abbreviate(nl >= 0 ? s.substring(0, nl) : s);
    }

    private static String abbreviate(Object o) {
        String s = String.valueOf(o);
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
