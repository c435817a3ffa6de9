package io.djinn.ratelimit;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** OpenAI's rate-limit response headers; resets are durations in Go's notation ({@code 20ms}, {@code 1.5s}, {@code 6m0s}). */
public final class RateLimitHeaders {

    private RateLimitHeaders() {}

    public static Map<String, List<String>> of(Decision d) {
        Map<String, List<String>> h = new LinkedHashMap<>();
        put(h, "requests", d.requests());
        put(h, "tokens", d.tokens());
        return h;
    }

    private static void put(Map<String, List<String>> h, String what, Window w) {
        if (w == null) {
            return;
        }
        h.put("x-ratelimit-limit-" + what, List.of(String.valueOf(w.limit())));
        h.put("x-ratelimit-remaining-" + what, List.of(String.valueOf(w.remaining())));
        h.put("x-ratelimit-reset-" + what, List.of(duration(w.resetMillis())));
    }

    /** Retry-After (whole seconds, at least 1, as RFC 9110 wants) and the SDKs' finer retry-after-ms. */
    public static void retryAfter(Map<String, List<String>> h, long millis) {
        h.put("Retry-After", List.of(String.valueOf(Math.max(1, (millis + 999) / 1000))));
        h.put("retry-after-ms", List.of(String.valueOf(Math.max(0, millis))));
    }

    public static String duration(long millis) {
        if (millis <= 0) {
            return "0s";
        }
        if (millis < 1000) {
            return millis + "ms";
        }
        long hours = millis / 3_600_000;
        long minutes = millis / 60_000 % 60;
        String seconds = BigDecimal.valueOf(millis % 60_000, 3).stripTrailingZeros().toPlainString() + "s";
        if (hours > 0) {
            return hours + "h" + minutes + "m" + seconds;
        }
        return minutes > 0 ? minutes + "m" + seconds : seconds;
    }
}
