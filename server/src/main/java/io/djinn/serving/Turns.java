package io.djinn.serving;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the choices of one request in turns: at most {@code width} of them are in the engine at a time, the next one
 * starting when one ends (completed, failed or cancelled). A request with more choices than the engine has slots
 * and queue places is then served on an idle server instead of overflowing its queue with its own choices (503) or
 * leaving them waiting until the queue timeout.
 */
final class Turns {

    private final int width;
    private int running;
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();

    /** A choice waiting for its turn; {@code gone} once its subscriber cancelled. */
    private record Waiter(UniEmitter<? super Boolean> emitter, AtomicBoolean gone) {}

    Turns(int width) {
        this.width = Math.max(1, width);
    }

    int width() {
        return width;
    }

    /** The same stream, subscribed to only once a turn is free; ending it frees the turn. */
    <T> Multi<T> inTurn(Multi<T> work) {
        return Uni.createFrom().<Boolean>emitter(this::acquire)
                .onItem().transformToMulti(x -> work.onTermination().invoke(this::release));
    }

    private void acquire(UniEmitter<? super Boolean> emitter) {
        Waiter waiter = new Waiter(emitter, new AtomicBoolean());
        // a choice cancelled while it waits (client gone, a sibling failed) gives up its place in the line
        emitter.onTermination(() -> waiter.gone().set(true));
        boolean now;
        synchronized (this) {
            now = running < width;
            if (now) {
                running++;
            } else {
                waiting.add(waiter);
            }
        }
        if (now) {
            emitter.complete(true);
        }
    }

    private void release() {
        while (true) {
            Waiter next;
            synchronized (this) {
                next = waiting.poll();
                if (next == null) {
                    running--;
                    return;
                }
            }
            if (!next.gone().get()) {
                next.emitter().complete(true); // the turn passes on: running stays the same
                return;
            }
        }
    }
}
