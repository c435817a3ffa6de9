package io.djinn.hub;

import java.util.Locale;

/**
 * Where a checkpoint download stands.
 *
 * @param doneBytes      bytes in place (already cached, resumed or fetched now) of {@code totalBytes}
 * @param bytesPerSecond rate of the bytes fetched by this download so far
 * @param finished       every file is in place
 */
public record DownloadStatus(String repo, long doneBytes, long totalBytes, double bytesPerSecond, int filesDone,
        int files, boolean finished) {

    public int percent() {
        return totalBytes <= 0 ? 100 : (int) (doneBytes * 100 / totalBytes);
    }

    /** "downloading org/name from the Hugging Face Hub: 12.0 of 513.0 MiB (2%), 9.8 MiB/s, 1 of 5 files". */
    public String describe() {
        return String.format(Locale.ROOT, "%s %s from the Hugging Face Hub: %s of %s (%d%%), %s/s, %d of %d files",
                finished ? "downloaded" : "downloading", repo, mib(doneBytes), mib(totalBytes), percent(),
                mib((long) bytesPerSecond), filesDone, files);
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
