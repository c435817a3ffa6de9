package io.djinn.common;

import java.time.Instant;

/**
 * When this process started and when {@code main} was entered: the first two marks of the start-up breakdown the
 * server logs (and {@code measure-startup.sh} reads). A scale-to-zero deployment pays every cold start on a user's
 * first request, so the breakdown says where it goes.
 */
public final class StartupClock {
    private static volatile long mainEpochMillis;

    private StartupClock() {}

    /** Called first thing in {@code main}. */
    public static void mainEntered() {
        mainEpochMillis = System.currentTimeMillis();
    }

    /** Epoch milliseconds at which {@code main} was entered; 0 when the JVM did not start through {@link Main}. */
    public static long mainEpochMillis() {
        return mainEpochMillis;
    }

    /**
     * Epoch milliseconds at which the operating system started this process (to the kernel's clock tick), or 0
     * when it does not say. Read from the process handle rather than the runtime MXBean, which would load the
     * management classes onto the start-up path.
     */
    public static long processStartEpochMillis() {
        return ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }
}
