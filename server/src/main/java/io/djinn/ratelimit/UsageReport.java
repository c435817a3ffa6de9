package io.djinn.ratelimit;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.LocalDate;
import java.util.Map;
import java.util.TreeMap;

/**
 * A key's usage of one day. Priority-tier tokens are also reported with the 20 % surcharge the hosted providers
 * bill for that tier, as a separate figure, computed from the exact counts when read.
 */
public record UsageReport(String key, LocalDate day, @JsonProperty("by_model") Map<String, Counts> byModel,
        @JsonProperty("by_service_tier") Map<String, Counts> byServiceTier,
        @JsonProperty("priority_tokens_with_surcharge") long priorityTokensWithSurcharge) {

    public static final double PRIORITY_SURCHARGE = 1.2;

    public record Counts(long requests, @JsonProperty("prompt_tokens") long promptTokens,
            @JsonProperty("completion_tokens") long completionTokens,
            @JsonProperty("cached_tokens") long cachedTokens) {

        @JsonProperty("total_tokens")
        public long totalTokens() {
            return promptTokens + completionTokens;
        }

        Counts plus(String field, long n) {
            return switch (field) {
                case "requests" -> new Counts(requests + n, promptTokens, completionTokens, cachedTokens);
                case "prompt_tokens" -> new Counts(requests, promptTokens + n, completionTokens, cachedTokens);
                case "completion_tokens" -> new Counts(requests, promptTokens, completionTokens + n, cachedTokens);
                case "cached_tokens" -> new Counts(requests, promptTokens, completionTokens, cachedTokens + n);
                default -> this;
            };
        }
    }

    /** Field names of the meter: {@code model|NAME|FIELD} and {@code tier|NAME|FIELD}. */
    static Map<String, Long> fields(Usage u) {
        Map<String, Long> f = new TreeMap<>();
        for (String dim : new String[] {"model|" + u.model(), "tier|" + u.serviceTier()}) {
            f.put(dim + "|requests", 1L);
            f.put(dim + "|prompt_tokens", (long) u.promptTokens());
            f.put(dim + "|completion_tokens", (long) u.completionTokens());
            f.put(dim + "|cached_tokens", (long) u.cachedTokens());
        }
        return f;
    }

    static UsageReport fromFields(String key, LocalDate day, Map<String, Long> fields) {
        Map<String, Counts> byModel = new TreeMap<>();
        Map<String, Counts> byTier = new TreeMap<>();
        Counts zero = new Counts(0, 0, 0, 0);
        fields.forEach((name, n) -> {
            int a = name.indexOf('|');
            int b = name.lastIndexOf('|');
            if (a < 0 || b <= a) {
                return;
            }
            Map<String, Counts> target = name.startsWith("model|") ? byModel : name.startsWith("tier|") ? byTier : null;
            if (target != null) {
                target.merge(name.substring(a + 1, b), zero.plus(name.substring(b + 1), n), (x, y) -> x
                        .plus("requests", y.requests()).plus("prompt_tokens", y.promptTokens())
                        .plus("completion_tokens", y.completionTokens()).plus("cached_tokens", y.cachedTokens()));
            }
        });
        Counts priority = byTier.get("priority");
        long surcharged = priority == null ? 0 : Math.round(priority.totalTokens() * PRIORITY_SURCHARGE);
        return new UsageReport(key, day, byModel, byTier, surcharged);
    }
}
