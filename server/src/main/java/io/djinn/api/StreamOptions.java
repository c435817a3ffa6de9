package io.djinn.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * @param includeUsage         a last chunk with {@code choices: []} carries the usage of the whole request
 * @param continuousUsageStats (vLLM) every chunk also carries the usage so far; only with includeUsage
 */
public record StreamOptions(@JsonProperty("include_usage") Boolean includeUsage,
        @JsonProperty("continuous_usage_stats") Boolean continuousUsageStats) {
    public boolean usage() {
        return Boolean.TRUE.equals(includeUsage);
    }

    public boolean continuousUsage() {
        return usage() && Boolean.TRUE.equals(continuousUsageStats);
    }
}
