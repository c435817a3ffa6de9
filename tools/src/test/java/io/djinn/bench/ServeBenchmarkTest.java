package io.djinn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The arithmetic behind bench-serve's figures. */
class ServeBenchmarkTest {

    private static ServeBenchmark.Sample streamed(int tokens, long... chunkNanos) {
        return new ServeBenchmark.Sample(0.1, 1.0, tokens, 10, 0, new double[0], null, 0, chunkNanos);
    }

    @Test
    void aWindowCountsTheTokensThatArrivedInsideIt() {
        ServeBenchmark.Sample s = streamed(8, 10, 20, 30, 40);
        assertEquals(4.0, s.tokensBetween(15, 35), 1e-9, "two of four chunks, two tokens each");
        assertEquals(8.0, s.tokensBetween(10, 40), 1e-9, "the bounds are inside");
        assertEquals(0.0, s.tokensBetween(41, 100), 1e-9);
    }

    @Test
    void aFailedRequestAddsNoTokens() {
        ServeBenchmark.Sample failed = ServeBenchmark.Sample.failed("HTTP 503", 5);
        assertEquals(0.0, failed.tokensBetween(0, Long.MAX_VALUE), 1e-9);
    }

    @Test
    void quantilesInterpolateBetweenRanks() {
        double[] sorted = {1, 2, 3, 4, 5};
        assertEquals(3.0, ServeBenchmark.quantile(sorted, 0.5), 1e-9);
        assertEquals(4.96, ServeBenchmark.quantile(sorted, 0.99), 1e-9);
        assertEquals(Double.NaN, ServeBenchmark.quantile(new double[0], 0.5));
    }
}
