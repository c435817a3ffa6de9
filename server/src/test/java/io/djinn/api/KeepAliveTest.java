package io.djinn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.mutiny.Multi;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Comment keep-alives fill silences of a stream, never reorder or replace its events, and stop with it. */
class KeepAliveTest {

    @Test
    void silentStreamGetsCommentsBetweenItsEvents() {
        Multi<String> slow = Multi.createFrom().ticks().startingAfter(Duration.ofMillis(400))
                .every(Duration.ofMillis(400)).select().first(2)
                .map(i -> "data: " + i + "\n\n");
        List<String> out = KeepAlive.wrap(slow, Duration.ofMillis(50)).collect().asList().await()
                .atMost(Duration.ofSeconds(10));
        List<String> events = out.stream().filter(s -> !s.equals(KeepAlive.COMMENT)).toList();
        assertEquals(List.of("data: 0\n\n", "data: 1\n\n"), events);
        int firstEvent = out.indexOf("data: 0\n\n");
        assertTrue(firstEvent >= 3, "expected keep-alives before the first event: " + out);
        assertTrue(out.indexOf("data: 1\n\n") - firstEvent >= 3, "expected keep-alives between events: " + out);
        assertEquals("data: 1\n\n", out.getLast());
    }

    @Test
    void busyStreamGetsNoComments() {
        List<String> out = KeepAlive.wrap(Multi.createFrom().range(0, 100).map(i -> "data: " + i + "\n\n"),
                Duration.ofSeconds(5)).collect().asList().await().atMost(Duration.ofSeconds(5));
        assertEquals(100, out.size());
        assertTrue(out.stream().noneMatch(KeepAlive.COMMENT::equals));
    }

    @Test
    void cancellingTheWrappedStreamCancelsTheSource() throws Exception {
        AtomicBoolean cancelled = new AtomicBoolean();
        Multi<String> endless = Multi.createFrom().ticks().every(Duration.ofMillis(20)).map(i -> "data: x\n\n")
                .onCancellation().invoke(() -> cancelled.set(true));
        List<String> out = KeepAlive.wrap(endless, Duration.ofMillis(50)).select().first(3).collect().asList()
                .await().atMost(Duration.ofSeconds(5));
        assertEquals(3, out.size());
        assertTrue(cancelled.get());
    }
}
