package io.djinn.api;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.Cancellable;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Interleaves SSE comment lines into a stream that has been silent for a while (queued behind other requests, a long
 * prefill), so proxies and clients with idle timeouts keep the connection open. Comments are ignored by SSE parsers.
 */
final class KeepAlive {

    static final String COMMENT = ": keep-alive\n\n";

    private KeepAlive() {}

    static Multi<String> wrap(Multi<String> events, Duration interval) {
        return wrap(events, interval, Infrastructure.getDefaultWorkerPool());
    }

    static Multi<String> wrap(Multi<String> events, Duration interval, ScheduledExecutorService timer) {
        long intervalNanos = interval.toNanos();
        if (intervalNanos <= 0) {
            return events;
        }
        return Multi.createFrom().<String>emitter(emitter -> {
            Object lock = new Object();
            long[] lastEmit = {System.nanoTime()};
            boolean[] done = {false};
            Cancellable upstream = events.subscribe().with(item -> {
                synchronized (lock) {
                    lastEmit[0] = System.nanoTime();
                    emitter.emit(item);
                }
            }, failure -> {
                synchronized (lock) {
                    done[0] = true;
                    emitter.fail(failure);
                }
            }, () -> {
                synchronized (lock) {
                    done[0] = true;
                    emitter.complete();
                }
            });
            long period = Math.max(1, intervalNanos / 4);
            ScheduledFuture<?> ticks = timer.scheduleAtFixedRate(() -> {
                synchronized (lock) {
                    if (!done[0] && System.nanoTime() - lastEmit[0] >= intervalNanos) {
                        lastEmit[0] = System.nanoTime();
                        emitter.emit(COMMENT);
                    }
                }
            }, period, period, TimeUnit.NANOSECONDS);
            emitter.onTermination(() -> {
                ticks.cancel(false);
                upstream.cancel();
            });
            synchronized (lock) {
                if (done[0]) {
                    ticks.cancel(false);
                }
            }
        }, BackPressureStrategy.BUFFER);
    }
}
