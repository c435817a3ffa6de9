package io.djinn.serving;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import io.smallrye.mutiny.subscription.Cancellable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Holds a streamed response back until its generation has produced its first event (or failed): Quarkus writes
 * the status line with the first item, so a request the engine refuses (queue full, queue timeout) must fail
 * before the stream exists to get its 503. Events keep flowing through a buffer once the stream is handed out;
 * cancelling the returned stream (client gone) cancels the generation.
 */
public final class StreamStart {

    private StreamStart() {}

    public static <T> Uni<Multi<T>> firstEvent(Multi<T> source) {
        return Uni.createFrom().emitter(waiter -> {
            UnicastProcessor<T> relay = UnicastProcessor.create();
            AtomicBoolean started = new AtomicBoolean();
            AtomicReference<Cancellable> upstream = new AtomicReference<>();
            Multi<T> stream = relay.onCancellation().invoke(() -> cancel(upstream));
            upstream.set(source.subscribe().with(item -> {
                relay.onNext(item);
                if (started.compareAndSet(false, true)) {
                    waiter.complete(stream);
                }
            }, failure -> {
                if (started.compareAndSet(false, true)) {
                    waiter.fail(failure);
                } else {
                    relay.onError(failure);
                }
            }, () -> {
                relay.onComplete();
                if (started.compareAndSet(false, true)) {
                    waiter.complete(stream);
                }
            }));
            waiter.onTermination(() -> {
                if (!started.get()) {
                    cancel(upstream);
                }
            });
        });
    }

    private static void cancel(AtomicReference<Cancellable> upstream) {
        Cancellable c = upstream.get();
        if (c != null) {
            c.cancel();
        }
    }
}
