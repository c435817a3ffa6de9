package io.djinn.common;

import com.fasterxml.jackson.annotation.JsonInclude;

/** OpenAI's error envelope; {@code param} and {@code code} are present even when null, as OpenAI sends them. */
public record ErrorBody(Error error) {
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Error(String message, String type, String param, String code) {}
}
