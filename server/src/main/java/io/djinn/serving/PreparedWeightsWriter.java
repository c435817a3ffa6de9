package io.djinn.serving;

import io.djinn.engine.InferenceEngine;
import io.djinn.model.LlamaModel;
import java.time.Duration;
import org.jboss.logging.Logger;

/** Writes a freshly folded model's prepared weights in the background, when the engine has nothing to run. */
final class PreparedWeightsWriter {
    private static final Logger LOG = Logger.getLogger(PreparedWeightsWriter.class);

    private PreparedWeightsWriter() {}

    /** Idle time the engine must show before the prepared weights' write starts. */
    static final Duration IDLE_BEFORE_WRITE = Duration.ofMillis(500);
    /** After this long, the prepared weights' write no longer pauses for the engine's work. */
    static final Duration WRITE_PAUSES_AT_MOST = Duration.ofMinutes(5);

    /** Starts {@link #writeWhenIdle} on a daemon thread. */
    static Thread start(LlamaModel model, InferenceEngine engine) {
        return Thread.ofPlatform().name("djinn-prepared-weights").daemon().start(() -> writeWhenIdle(model, engine));
    }

    /**
     * Writes the prepared weights when the engine is idle, pausing before each tensor while it works: the write copies
     * the weights into the page cache and to disk, which on 2 cores made a first request beside it about 2x slower
     * (the request that woke a scaled-to-zero replica comes first). After {@link #WRITE_PAUSES_AT_MOST} it no longer
     * pauses, so a busy replica still writes them.
     */
    static void writeWhenIdle(LlamaModel model, InferenceEngine engine) {
        long giveUpPausing = System.nanoTime() + WRITE_PAUSES_AT_MOST.toNanos();
        try {
            awaitIdle(engine, IDLE_BEFORE_WRITE, giveUpPausing);
            model.writePrepared(() -> awaitIdle(engine, Duration.ZERO, giveUpPausing));
        } catch (RuntimeException e) {
            LOG.warnf("Prepared weights not written: %s", e.toString());
        }
    }

    /** Waits until the engine has had nothing to run for {@code quiet}, or until {@code deadlineNanos}. */
    private static void awaitIdle(InferenceEngine engine, Duration quiet, long deadlineNanos) {
        long idleSince = -1;
        while (System.nanoTime() < deadlineNanos) {
            long now = System.nanoTime();
            if (engine.running() > 0 || engine.waiting() > 0) {
                idleSince = -1;
            } else if (idleSince < 0) {
                idleSince = now;
            }
            if (idleSince >= 0 && now - idleSince >= quiet.toNanos()) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
