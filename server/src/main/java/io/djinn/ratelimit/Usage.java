package io.djinn.ratelimit;

import java.time.LocalDate;

/** What one request used, metered per key and (UTC) day by model and by service tier. */
public record Usage(LocalDate day, String model, String serviceTier, int promptTokens, int completionTokens,
        int cachedTokens) {

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
