package io.djinn.hub;

import java.util.Locale;
import org.jboss.logging.Logger;

/**
 * Adds up the bytes of all files of one checkpoint download (fetched in parallel) and reports them: to the log at
 * most every {@link #LOG_EVERY_NANOS} (bytes, percent, rate), to the listener at most every
 * {@link #NOTIFY_EVERY_NANOS}, and both once at the end.
 */
final class DownloadProgress {

    private static final Logger LOG = Logger.getLogger(DownloadProgress.class);
    private static final long LOG_EVERY_NANOS = 5_000_000_000L;
    private static final long NOTIFY_EVERY_NANOS = 250_000_000L;

    private final String repo;
    private final ProgressListener listener;
    private long totalBytes;
    private int files;
    private final long startNanos = System.nanoTime();
    private long doneBytes;
    private long fetchedBytes;
    private int filesDone;
    private long lastLog = startNanos;
    private long lastNotify;

    DownloadProgress(String repo, ProgressListener listener) {
        this.repo = repo;
        this.listener = listener;
    }

    /** More files to come (a sharded checkpoint's shards are known once its index is in). */
    synchronized void expect(int moreFiles, long moreBytes) {
        files += moreFiles;
        totalBytes += moreBytes;
    }

    /** Bytes that were already on disk (cached blobs, the part of an interrupted download kept for resuming). */
    synchronized void present(long bytes) {
        doneBytes += bytes;
        report(false);
    }

    /** Bytes fetched now; negative when a server ignored a range request and the file starts over. */
    synchronized void fetched(long bytes) {
        doneBytes += bytes;
        fetchedBytes += bytes;
        report(false);
    }

    synchronized void fileDone() {
        filesDone++;
        report(false);
    }

    synchronized DownloadStatus finish() {
        DownloadStatus s = status(true);
        if (fetchedBytes == 0) {
            LOG.infof("All %d files of %s (%s) were in the cache", files, repo, DownloadStatus.mib(doneBytes));
        } else {
            LOG.infof("Downloaded %s: %s fetched in %.1f s (%s/s), %s in the cache", repo,
                    DownloadStatus.mib(fetchedBytes), seconds(), DownloadStatus.mib((long) s.bytesPerSecond()),
                    DownloadStatus.mib(doneBytes));
        }
        listener.onProgress(s);
        return s;
    }

    synchronized DownloadStatus status(boolean finished) {
        double seconds = seconds();
        return new DownloadStatus(repo, doneBytes, totalBytes, seconds > 0 ? Math.max(0, fetchedBytes) / seconds : 0,
                filesDone, files, finished);
    }

    private void report(boolean force) {
        long now = System.nanoTime();
        if (force || now - lastNotify >= NOTIFY_EVERY_NANOS) {
            lastNotify = now;
            listener.onProgress(status(false));
        }
        if (now - lastLog >= LOG_EVERY_NANOS) {
            lastLog = now;
            LOG.info(capitalized(status(false).describe()));
        }
    }

    private double seconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static String capitalized(String s) {
        return s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
    }
}
