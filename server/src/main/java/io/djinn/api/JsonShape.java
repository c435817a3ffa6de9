package io.djinn.api;

import jakarta.validation.Constraint;
import jakarta.validation.Payload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A request field given as free-form JSON (a string or a list, an object of several kinds) must have the shape the
 * OpenAI API documents for it. The message says which shape, so the client can fix the request from the 400 alone.
 */
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT,
        ElementType.TYPE_USE})
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = JsonShapeValidator.class)
public @interface JsonShape {

    Shape value();

    String message() default "";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    enum Shape {
        /** {@code stop}: a non-empty string, or a list of at most 32 non-empty strings. */
        STOP,
        /** One entry of {@code tools}: {@code {"type":"function","function":{"name",...}}}. */
        TOOL,
        /** {@code tool_choice}: none, auto, required, or a named function. */
        TOOL_CHOICE,
        /** {@code response_format}: text, json_object, or json_schema with a name and a schema object. */
        RESPONSE_FORMAT,
        /** vLLM's {@code structured_outputs}: exactly one of json, regex, choice, json_object. */
        STRUCTURED_OUTPUTS,
        /** A message's {@code tool_calls}: a list of objects. */
        TOOL_CALLS
    }
}
