package io.djinn.api;

import com.fasterxml.jackson.annotation.JsonProperty;

public record StreamOptions(@JsonProperty("include_usage") Boolean includeUsage) {
    public boolean usage() {
        return Boolean.TRUE.equals(includeUsage);
    }
}
