package io.djinn.hub;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Puts one repository file of one commit into the cache: linked from a blob already there when one matches,
 * otherwise fetched into {@code blobs/{etag}.incomplete} (resumed from its length with a range request, also after
 * a dropped connection), verified against the Hub's size and hash, and only then renamed to its blob and linked
 * into the snapshot. Nothing unverified ever appears under a snapshot.
 */
final class BlobDownloader {

    private static final Logger LOG = Logger.getLogger(BlobDownloader.class);
    /** Attempts in a row that bring no new byte before a download is given up. */
    static final int MAX_ATTEMPTS = 5;
    private static final long RETRY_PAUSE_MS = 500;

    private final HubClient client;
    private final HubCache cache;
    private final RepoRef ref;
    private final String commit;
    private final DownloadProgress progress;
    private final BooleanSupplier cancelled;

    BlobDownloader(HubClient client, HubCache cache, RepoRef ref, String commit, DownloadProgress progress,
            BooleanSupplier cancelled) {
        this.client = client;
        this.cache = cache;
        this.ref = ref;
        this.commit = commit;
        this.progress = progress;
        this.cancelled = cancelled;
    }

    /** Returns the file's place in the snapshot once it is there, verified. */
    Path fetch(RepoInfo.RepoFile file) throws IOException {
        Path pointer = cache.pointer(commit, file.name());
        if (intact(pointer, file.size())) {
            done(Files.size(pointer));
            return pointer;
        }
        Optional<Path> cachedBlob = file.etag().map(cache::blob).filter(b -> intact(b, file.size()));
        if (cachedBlob.isPresent()) {
            cache.link(cachedBlob.get(), pointer);
            done(Files.size(pointer));
            return pointer;
        }
        HubClient.FileMeta meta = client.head(ref, commit, file.name());
        if (!meta.commit().equals(commit)) {
            throw new HubException("the Hub served " + file.name() + " of commit " + meta.commit() + " when "
                    + commit + " was asked for");
        }
        if (file.size().isPresent() && meta.size().isPresent() && file.size().getAsLong() != meta.size().getAsLong()) {
            throw new HubException("the Hub disagrees with itself about the size of " + file.name() + " of "
                    + ref.repoId() + ": " + file.size().getAsLong() + " bytes in the listing, "
                    + meta.size().getAsLong() + " in the file's headers");
        }
        long size = file.size().isPresent() ? file.size().getAsLong() : meta.size().orElseThrow(
                () -> new HubException("the Hub gave no size for " + file.name() + " of " + ref.repoId()));
        Path blob = cache.blob(meta.etag());
        try (HubCache.BlobLock lock = cache.lock(meta.etag())) {
            if (intact(blob, OptionalLong.of(size))) {
                progress.present(size); // fetched meanwhile by another thread or process
            } else {
                download(file, meta, blob, size);
            }
        }
        cache.link(blob, pointer);
        progress.fileDone();
        return pointer;
    }

    private void done(long bytes) {
        progress.present(bytes);
        progress.fileDone();
    }

    private void download(RepoInfo.RepoFile file, HubClient.FileMeta meta, Path blob, long size) throws IOException {
        Path part = cache.incomplete(meta.etag());
        Files.createDirectories(part.getParent());
        ContentCheck check = ContentCheck.of(file, size);
        long kept = fill(part, check, file, meta, size);
        Optional<String> wrong = check.mismatch();
        if (wrong.isPresent() && kept > 0) {
            // the part kept from an earlier attempt may be what is wrong: once more, from the first byte
            LOG.warnf("%s of %s did not verify after resuming at byte %d; downloading it again from the start",
                    file.name(), ref.repoId(), kept);
            Files.deleteIfExists(part);
            progress.present(-size);
            check = ContentCheck.of(file, size);
            fill(part, check, file, meta, size);
            wrong = check.mismatch();
        }
        if (wrong.isPresent()) {
            Files.deleteIfExists(part);
            throw new HubException("the download of " + file.name() + " of " + ref.repoId() + " (commit " + commit
                    + ") is corrupt: its " + check.what() + " is " + wrong.get() + " where the Hub's metadata says "
                    + check.expected() + ". It was deleted and nothing was loaded; start again, and if it repeats, "
                    + "something between this machine and " + meta.location().getHost() + " alters the data.");
        }
        HubCache.move(part, blob);
    }

    /**
     * Brings the part file to {@code size} bytes, resuming from what it holds and after every dropped connection;
     * returns how many bytes it held to begin with.
     */
    private long fill(Path part, ContentCheck check, RepoInfo.RepoFile file, HubClient.FileMeta meta, long size)
            throws IOException {
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            Part p = new Part(ch, check, size, file.name());
            long kept = p.resumeFrom(ch.size());
            java.net.URI location = meta.location();
            boolean relocated = false;
            int failures = 0;
            while (p.position < size) {
                long before = p.position;
                IOException error;
                try {
                    client.get(ref, file.name(), location, p.position, p, cancelled);
                    error = new IOException("the body ended early");
                } catch (InterruptedIOException e) {
                    throw e;
                } catch (HubException e) {
                    if (e.reason() == HubException.Reason.INVALID) {
                        ch.close();
                        Files.deleteIfExists(part);
                        throw e;
                    }
                    if (e.reason() != HubException.Reason.UNREACHABLE) {
                        if (relocated) {
                            throw e;
                        }
                        // a storage URL signed for a while may have expired: ask the Hub for a fresh one, once
                        relocated = true;
                        location = client.head(ref, commit, file.name()).location();
                        continue;
                    }
                    error = e;
                } catch (IOException e) {
                    error = e;
                }
                if (p.position >= size) {
                    break;
                }
                failures = p.position > before ? 1 : failures + 1;
                if (failures >= MAX_ATTEMPTS) {
                    throw new HubException(HubException.Reason.UNREACHABLE, "the download of " + file.name() + " of "
                            + ref.repoId() + " stopped at byte " + p.position + " of " + size + " after "
                            + MAX_ATTEMPTS + " attempts without progress (" + HubClient.describe(error)
                            + "); the part is kept in " + part + " and the next start resumes it", error);
                }
                LOG.warnf("Download of %s of %s interrupted at byte %d of %d (%s); resuming with a range request",
                        file.name(), ref.repoId(), p.position, size, HubClient.describe(error));
                pause(failures);
            }
            ch.force(true);
            return kept;
        }
    }

    private void pause(int failures) throws InterruptedIOException {
        try {
            Thread.sleep(RETRY_PAUSE_MS * failures);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    private static boolean intact(Path p, OptionalLong size) {
        try {
            return Files.isRegularFile(p) && (size.isEmpty() || Files.size(p) == size.getAsLong());
        } catch (IOException e) {
            return false;
        }
    }

    /** The {@code .incomplete} file being written: position, hash of what it holds, progress. */
    private final class Part implements HubClient.Receiver {
        private final FileChannel ch;
        private final ContentCheck check;
        private final long size;
        private final String name;
        long position;

        Part(FileChannel ch, ContentCheck check, long size, String name) {
            this.ch = ch;
            this.check = check;
            this.size = size;
            this.name = name;
        }

        /** Keeps what an earlier attempt (or an earlier run) wrote, re-hashing it; returns the length kept. */
        long resumeFrom(long length) throws IOException {
            if (length > size) {
                ch.truncate(0);
                length = 0;
            }
            if (length > 0) {
                LOG.infof("Resuming the download of %s of %s at byte %d of %d", name, ref.repoId(), length, size);
                ByteBuffer buf = ByteBuffer.allocate(1 << 20);
                for (long pos = 0; pos < length; ) {
                    buf.clear().limit((int) Math.min(buf.capacity(), length - pos));
                    int n = ch.read(buf, pos);
                    if (n < 0) {
                        throw new IOException(name + ": the part file shrank while being read");
                    }
                    check.update(buf.array(), 0, n);
                    pos += n;
                }
            }
            position = length;
            progress.present(length);
            return length;
        }

        @Override
        public void begin(long start) throws IOException {
            if (start == position) {
                return;
            }
            if (start != 0) {
                throw new HubException("asked for " + name + " from byte " + position + ", got a body from byte "
                        + start);
            }
            // the server ignored the range: start over
            ch.truncate(0);
            check.reset();
            progress.present(-position);
            position = 0;
        }

        @Override
        public void accept(ByteBuffer chunk) throws IOException {
            int n = chunk.remaining();
            if (position + n > size) {
                throw new HubException("the Hub sent more than the " + size + " bytes of " + name + " of "
                        + ref.repoId() + "; the part file was deleted");
            }
            check.update(chunk);
            long at = position;
            while (chunk.hasRemaining()) {
                at += ch.write(chunk, at);
            }
            position = at;
            progress.fetched(n);
        }
    }
}
