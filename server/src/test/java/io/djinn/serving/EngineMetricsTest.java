package io.djinn.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.djinn.engine.FinishReason;
import org.junit.jupiter.api.Test;

/** Latency histograms put each value in its own bucket (a DistributionSummary rounded sub-second values to 1). */
class EngineMetricsTest {

    @Test
    void subSecondLatenciesLandInTheirBuckets() {
        EngineMetrics metrics = new EngineMetrics();
        metrics.firstToken(0.003);
        metrics.firstToken(0.03);
        metrics.firstToken(0.09);
        metrics.interToken(0.015);
        metrics.scheduled(0.0005, 10, 0);
        metrics.finished(FinishReason.STOP, 3, 0.7);
        String text = metrics.scrape();
        // Buckets are cumulative: 0.003 ≤ 0.005, 0.03 ≤ 0.04, 0.09 ≤ 0.1.
        assertEquals(0, bucket(text, "djinn_time_to_first_token_seconds", "0.001"));
        assertEquals(1, bucket(text, "djinn_time_to_first_token_seconds", "0.005"));
        assertEquals(1, bucket(text, "djinn_time_to_first_token_seconds", "0.02"));
        assertEquals(2, bucket(text, "djinn_time_to_first_token_seconds", "0.04"));
        assertEquals(2, bucket(text, "djinn_time_to_first_token_seconds", "0.08"));
        assertEquals(3, bucket(text, "djinn_time_to_first_token_seconds", "0.1"));
        assertEquals(3, bucket(text, "djinn_time_to_first_token_seconds", "1.0"));
        assertEquals(0.123, value(text, "djinn_time_to_first_token_seconds_sum"), 1e-9);
        assertEquals(0, bucket(text, "djinn_inter_token_latency_seconds", "0.01"));
        assertEquals(1, bucket(text, "djinn_inter_token_latency_seconds", "0.02"));
        assertEquals(1, bucket(text, "djinn_request_queue_time_seconds", "0.001"));
        assertEquals(0, bucket(text, "djinn_e2e_request_latency_seconds", "0.5"));
        assertEquals(1, bucket(text, "djinn_e2e_request_latency_seconds", "0.75"));
    }

    private static double bucket(String text, String name, String le) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "_bucket{") && line.contains("le=\"" + le + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no bucket le=" + le + " of " + name + " in\n" + text);
    }

    private static double value(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ") || line.startsWith(series + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no " + series + " in\n" + text);
    }
}
