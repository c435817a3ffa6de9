package io.djinn.model;

import org.jboss.logging.Logger;

/**
 * Logs weight loading as it goes (bytes and percent, every tenth) and its total time: a big checkpoint takes long
 * enough that an operator watching a starting pod wants to see it move.
 */
final class LoadProgress {

    private static final Logger LOG = Logger.getLogger(LoadProgress.class);
    private static final int STEPS = 10;

    private final String what;
    private final long totalBytes;
    private final long startNanos = System.nanoTime();
    private long loadedBytes;
    private int loggedSteps;

    LoadProgress(String what, long totalBytes) {
        this.what = what;
        this.totalBytes = Math.max(1, totalBytes);
        LOG.infof("Loading %s: %s", what, mib(totalBytes));
    }

    void add(long bytes) {
        loadedBytes += bytes;
        int step = (int) Math.min(STEPS, loadedBytes * STEPS / totalBytes);
        if (step > loggedSteps && step < STEPS) {
            loggedSteps = step;
            LOG.infof("Loading %s: %s of %s (%d%%)", what, mib(loadedBytes), mib(totalBytes),
                    loadedBytes * 100 / totalBytes);
        }
    }

    void done() {
        LOG.infof("Loaded %s: %s in %.2f s", what, mib(loadedBytes), (System.nanoTime() - startNanos) / 1e9);
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
