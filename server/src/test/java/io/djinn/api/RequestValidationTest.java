package io.djinn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.djinn.common.Json;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.Max;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Djinn's own Hibernate Validator factory (JVM mode): built once, the library's messages in English. */
class RequestValidationTest {

    record Bounded(@Max(2) Integer n, @DecimalMax(value = "1", inclusive = false) Double x) {
    }

    @Test
    void builtOnceWithEnglishMessagesWhateverTheHostLocale() {
        Locale before = Locale.getDefault();
        RequestValidation validation = new RequestValidation();
        try {
            Locale.setDefault(Locale.GERMANY);
            Validator validator = validation.validator();
            assertSame(validator, validation.validator());
            Set<ConstraintViolation<Bounded>> violations = validator.validate(new Bounded(3, null));
            assertEquals(1, violations.size());
            assertEquals("must be less than or equal to 2", violations.iterator().next().getMessage());
            // the expression language of the library's messages is there (Expressly)
            assertEquals("must be less than 1",
                    validator.validate(new Bounded(null, 1.0)).iterator().next().getMessage());
        } finally {
            Locale.setDefault(before);
            validation.close();
        }
    }

    @Test
    void requestRecordsValidateWithTheirOwnMessages() throws Exception {
        RequestValidation validation = new RequestValidation();
        try {
            Validator validator = validation.validator();
            for (Class<?> type : RequestValidation.REQUEST_TYPES) {
                assertTrue(validator.getConstraintsForClass(type).isBeanConstrained(), type.getName());
            }
            ChatCompletionRequest request = Json.MAPPER.readValue(
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":5}",
                    ChatCompletionRequest.class);
            Set<ConstraintViolation<ChatCompletionRequest>> violations = validator.validate(request);
            assertEquals(1, violations.size());
            ConstraintViolation<ChatCompletionRequest> v = violations.iterator().next();
            assertEquals("temperature", v.getPropertyPath().toString());
            assertEquals("must be between 0 and 4", v.getMessage());
        } finally {
            validation.close();
        }
    }
}
