package io.djinn.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
     * when it does not say. On Linux it is read as the kernel's uptime now minus the process's start in ticks since
     * boot (both in /proc, 10 ms resolution): {@link ProcessHandle.Info#startInstant()} adds those ticks to the boot
     * time, which /proc/stat gives in whole seconds only, so its "JVM to main" was off by up to a second (a steady
     * ~0.7 s on one machine). Not read from the runtime MXBean, which would load the management classes onto the
     * start-up path.
     */
    public static long processStartEpochMillis() {
        try {
            long elapsed = elapsedSinceProcessStartMillis(Files.readString(Path.of("/proc/self/stat")),
                    Files.readString(Path.of("/proc/uptime")));
            return System.currentTimeMillis() - elapsed;
        } catch (IOException | RuntimeException notLinux) {
            return ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        }
    }

    /**
     * Milliseconds since the process started, from /proc/self/stat (field 22, start time in clock ticks after boot;
     * the command name in field 2 may hold spaces and parentheses, so fields are counted after its last ')') and
     * /proc/uptime (seconds since boot). Linux's user-visible clock tick is 100 per second.
     */
    static long elapsedSinceProcessStartMillis(String stat, String uptime) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        long startTicks = Long.parseLong(fields[19]); // field 22 of the whole line; fields[0] is field 3
        double upSeconds = Double.parseDouble(uptime.trim().split("\\s+")[0]);
        return Math.round(upSeconds * 1000) - startTicks * 10;
    }
}
