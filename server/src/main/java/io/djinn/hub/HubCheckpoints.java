package io.djinn.hub;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Turns a {@code djinn.model.path} value into a checkpoint folder: an existing folder as it is, a Hugging Face
 * repository id ({@code org/name} or {@code org/name@revision}) into its snapshot folder in the hub cache,
 * downloaded first when the cache lacks it. Follows huggingface_hub's rules: the revision is resolved to a commit by
 * the model API; when the Hub cannot be asked (offline mode, no network, Hub down, no access) a complete cached
 * snapshot of that revision stands in for it, except when the Hub says the revision does not exist.
 */
public final class HubCheckpoints {

    private static final Logger LOG = Logger.getLogger(HubCheckpoints.class);
    /** Files downloaded at the same time: enough to fill a link with a checkpoint's shards, few enough for a CDN. */
    static final int DOWNLOAD_THREADS = 4;

    private final RepoRef ref;
    private final HubSettings settings;
    private final ProgressListener listener;
    private final HubCache cache;

    private HubCheckpoints(RepoRef ref, HubSettings settings, ProgressListener listener) {
        this.ref = ref;
        this.settings = settings;
        this.listener = listener;
        this.cache = new HubCache(settings.cacheDir(), ref);
    }

    /**
     * The checkpoint folder {@code pathOrRepo} names: the folder itself, or the snapshot of the repository in the
     * cache, fetched and verified first where needed. Blocks until the files are in place; progress goes to the
     * log and to {@code listener}. Fails with a {@link HubException} whose message says what to do.
     */
    public static Path resolve(String pathOrRepo, HubSettings settings, ProgressListener listener) throws IOException {
        if (isDirectory(pathOrRepo)) {
            return Path.of(pathOrRepo);
        }
        RepoRef ref = repository(pathOrRepo, settings).orElseThrow(() -> new HubException("djinn.model.path "
                + pathOrRepo + " is neither a folder nor a Hugging Face repository id (org/name or "
                + "org/name@revision)"));
        return new HubCheckpoints(ref, settings, listener).resolve();
    }

    /**
     * The repository {@code pathOrRepo} names; empty when it is an existing folder (a folder always wins) or not
     * shaped like a repository id. A revision both after {@code @} and in the settings must agree.
     */
    public static Optional<RepoRef> repository(String pathOrRepo, HubSettings settings) throws HubException {
        if (isDirectory(pathOrRepo)) {
            return Optional.empty();
        }
        Optional<RepoRef> ref = RepoRef.parse(pathOrRepo, settings.revision().orElse(RepoRef.DEFAULT_REVISION));
        if (ref.isPresent() && pathOrRepo.contains("@") && settings.revision().isPresent()
                && !settings.revision().get().equals(ref.get().revision())) {
            throw new HubException("djinn.model.path " + pathOrRepo + " names revision " + ref.get().revision()
                    + " and djinn.model.revision names " + settings.revision().get() + ": set only one");
        }
        return ref;
    }

    private static boolean isDirectory(String p) {
        try {
            return Files.isDirectory(Path.of(p));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    private Path resolve() throws IOException {
        if (settings.offline()) {
            Optional<Path> offline = cached();
            if (offline.isEmpty()) {
                throw new HubException(HubException.Reason.UNREACHABLE, "offline mode (HF_HUB_OFFLINE or "
                        + "djinn.model.hub-offline) is on and " + describeCache() + ". Fill the cache while online (a "
                        + "Djinn start or `hf download " + ref.repoId() + "`), turn offline mode off, or point "
                        + "djinn.model.path at a local checkpoint folder.", null);
            }
            LOG.infof("Offline mode: using %s from the cache: %s", ref, offline.get());
            return offline.get();
        }
        if (ref.pinned()) {
            Optional<Path> pinned = cached();
            if (pinned.isPresent()) {
                LOG.infof("Using %s from the cache: %s (a commit never changes)", ref, pinned.get());
                return pinned.get();
            }
        }
        try (HubClient client = new HubClient(settings)) {
            RepoInfo info;
            try {
                info = client.info(ref);
            } catch (HubException e) {
                if (e.reason() == HubException.Reason.REVISION_NOT_FOUND) {
                    throw e;
                }
                Optional<Path> fallback = cached();
                if (fallback.isPresent()) {
                    LOG.warnf("%s; serving %s from the cache instead: %s", e.getMessage(), ref, fallback.get());
                    return fallback.get();
                }
                if (e.reason() == HubException.Reason.UNREACHABLE) {
                    throw new HubException(e.reason(), e.getMessage() + ", and " + describeCache() + ". Connect "
                            + "this machine to the Hub (or set HF_ENDPOINT to a mirror), or fill the cache elsewhere "
                            + "and set HF_HUB_OFFLINE=1, or point djinn.model.path at a local checkpoint folder.", e);
                }
                if (e.reason() == HubException.Reason.NOT_FOUND || e.reason() == HubException.Reason.DENIED) {
                    // a mistyped folder looks like a repository id too
                    throw new HubException(e.reason(), e.getMessage() + " (there is no folder "
                            + Path.of(ref.repoId()).toAbsolutePath() + " either, so djinn.model.path was taken as a "
                            + "repository id)", e);
                }
                throw e;
            }
            return download(client, info);
        }
    }

    /** A complete snapshot of the revision in the cache (through {@code refs/} unless the revision is a commit). */
    private Optional<Path> cached() throws IOException {
        Optional<String> commit = ref.pinned() ? Optional.of(ref.revision()) : cache.ref(ref.revision());
        if (commit.isEmpty() || !Files.isDirectory(cache.snapshot(commit.get()))) {
            return Optional.empty();
        }
        Path dir = cache.snapshot(commit.get());
        return CheckpointFiles.missing(dir).isEmpty() ? Optional.of(dir) : Optional.empty();
    }

    private String describeCache() throws IOException {
        Optional<String> commit = ref.pinned() ? Optional.of(ref.revision()) : cache.ref(ref.revision());
        if (commit.isEmpty()) {
            return "the cache " + settings.cacheDir() + " has no " + ref.cacheFolderName() + "/refs/" + ref.revision()
                    + " (" + ref + " was never downloaded there)";
        }
        Path dir = cache.snapshot(commit.get());
        if (!Files.isDirectory(dir)) {
            return "the cache has no snapshot " + dir;
        }
        return "the cached snapshot " + dir + " lacks " + CheckpointFiles.missing(dir);
    }

    private Path download(HubClient client, RepoInfo info) throws IOException {
        String commit = info.commit();
        cache.tag();
        List<String> names = new ArrayList<>(CheckpointFiles.firstFiles(ref, info));
        DownloadProgress progress = new DownloadProgress(ref.repoId(), listener);
        progress.expect(names.size(), bytes(info, names));
        if (names.remove(CheckpointFiles.WEIGHTS_INDEX)) {
            // the shard list is in the index: fetched on its own first
            Path index = new BlobDownloader(client, cache, ref, commit, progress, () -> false)
                    .fetch(info.files().get(CheckpointFiles.WEIGHTS_INDEX));
            List<String> shards = CheckpointFiles.shards(ref, info, index);
            progress.expect(shards.size(), bytes(info, shards));
            names.addAll(shards);
        }
        DownloadStatus status = progress.status(false);
        LOG.infof("Fetching %s (commit %s, %d files, %s) into %s", ref, commit, status.files(),
                DownloadStatus.mib(status.totalBytes()), cache.repoDir());
        fetchAll(client, info, names, progress);
        for (String optional : CheckpointFiles.OPTIONAL) {
            if (!info.files().containsKey(optional)) {
                cache.markMissing(commit, optional);
            }
        }
        if (!ref.pinned()) {
            // written last: a ref points only at a snapshot that is complete and verified
            cache.writeRef(ref.revision(), commit);
        }
        progress.finish();
        return cache.snapshot(commit);
    }

    private static long bytes(RepoInfo info, List<String> names) {
        return names.stream().mapToLong(n -> info.files().get(n).size().orElse(0)).sum();
    }

    /** Fetches the files on a small pool; the first failure cancels the rest and is thrown once all have stopped. */
    private void fetchAll(HubClient client, RepoInfo info, List<String> names, DownloadProgress progress)
            throws IOException {
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicReference<Throwable> first = new AtomicReference<>();
        BlobDownloader downloader = new BlobDownloader(client, cache, ref, info.commit(), progress, cancelled::get);
        AtomicInteger threads = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(DOWNLOAD_THREADS, names.size()),
                r -> Thread.ofPlatform().daemon().name("djinn-hub-download-" + threads.incrementAndGet()).unstarted(r));
        try {
            List<Future<?>> tasks = new ArrayList<>();
            for (String name : names) {
                tasks.add(pool.submit(() -> {
                    if (cancelled.get()) {
                        return null;
                    }
                    try {
                        downloader.fetch(info.files().get(name));
                    } catch (Throwable t) {
                        if (first.compareAndSet(null, t)) {
                            cancelled.set(true);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> t : tasks) {
                t.get();
            }
        } catch (InterruptedException e) {
            cancelled.set(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while downloading " + ref);
        } catch (ExecutionException e) {
            first.compareAndSet(null, e.getCause());
        } finally {
            pool.shutdown();
            try {
                // no thread may still write once this returns
                if (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                    pool.shutdownNow();
                }
            } catch (InterruptedException e) {
                pool.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        Throwable t = first.get();
        if (t instanceof IOException io) {
            throw io;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        if (t != null) {
            throw new IOException(t);
        }
    }
}
