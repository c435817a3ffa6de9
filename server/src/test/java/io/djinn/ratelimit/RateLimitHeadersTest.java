package io.djinn.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.djinn.auth.Limits;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** OpenAI's header formats, and the in-memory GCRA against a controlled clock. */
class RateLimitHeadersTest {

    @ParameterizedTest
    @CsvSource({"0,0s", "20,20ms", "999,999ms", "1000,1s", "1500,1.5s", "59999,59.999s", "60000,1m0s",
            "360000,6m0s", "61250,1m1.25s", "3723000,1h2m3s"})
    void resetsAreGoDurations(long millis, String expected) {
        assertEquals(expected, RateLimitHeaders.duration(millis));
    }

    @Test
    void headersAndRetryAfter() {
        Map<String, List<String>> h = new java.util.LinkedHashMap<>(RateLimitHeaders.of(new Decision(true, null, 0,
                new Window(60, 59, 1000), new Window(1000, 400, 36000))));
        assertEquals(List.of("60"), h.get("x-ratelimit-limit-requests"));
        assertEquals(List.of("59"), h.get("x-ratelimit-remaining-requests"));
        assertEquals(List.of("1s"), h.get("x-ratelimit-reset-requests"));
        assertEquals(List.of("400"), h.get("x-ratelimit-remaining-tokens"));
        assertEquals(List.of("36s"), h.get("x-ratelimit-reset-tokens"));
        RateLimitHeaders.retryAfter(h, 1201);
        assertEquals(List.of("2"), h.get("Retry-After"));
        assertEquals(List.of("1201"), h.get("retry-after-ms"));
    }

    @Test
    void gcraRefillsContinuouslyAndRefundsNeverExceedAFullBucket() {
        AtomicLong now = new AtomicLong(1_000_000);
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(Duration.ofMinutes(1), now::get);
        Limits limits = new Limits(60, 600, 0); // one request per second, ten tokens per second
        for (int i = 0; i < 60; i++) {
            assertTrue(limiter.admit("k", limits, 0, "l" + i).await().indefinitely().admitted());
        }
        Decision refused = limiter.admit("k", limits, 0, "x").await().indefinitely();
        assertFalse(refused.admitted());
        assertEquals(LimitKind.REQUESTS, refused.refusedBy());
        assertEquals(1000, refused.retryAfterMillis());
        now.addAndGet(1000);
        Decision again = limiter.admit("k", limits, 500, "y").await().indefinitely();
        assertTrue(again.admitted(), "one request refilled after a second");
        assertEquals(100, again.tokens().remaining());
        limiter.settle("k", limits, "y", 500, 50, new Usage(java.time.LocalDate.EPOCH, "m", "default", 40, 10, 0))
                .await().indefinitely();
        assertEquals(550, limiter.admit("k", new Limits(0, 600, 0), 0, "z").await().indefinitely().tokens()
                .remaining(), "450 of the 500 reserved tokens came back");
        limiter.settle("k", limits, "y", 1000, 0, new Usage(java.time.LocalDate.EPOCH, "m", "default", 0, 0, 0))
                .await().indefinitely();
        assertEquals(600, limiter.admit("k", new Limits(0, 600, 0), 0, "z").await().indefinitely().tokens()
                .remaining(), "a refund stops at a full bucket");
    }
}
