package io.djinn.hub;

/** Receives a download's status a few times a second and once when it ends; must return quickly. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = status -> {};

    void onProgress(DownloadStatus status);
}
