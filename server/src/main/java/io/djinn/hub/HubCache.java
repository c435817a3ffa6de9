package io.djinn.hub;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One repository's folder in the hub cache, laid out as huggingface_hub lays it out, so either tool reuses what the
 * other downloaded:
 * <pre>
 * {cache}/models--org--name/
 *     blobs/{etag}                  file contents, named by git blob id or LFS sha256
 *     blobs/{etag}.incomplete       a download in progress (resumed from its length)
 *     snapshots/{commit}/{file}     relative symlinks to ../../blobs/{etag}
 *     refs/{revision}               the commit a branch or tag pointed to when last resolved
 *     .no_exist/{commit}/{file}     empty markers: the file is known not to exist at that commit
 * {cache}/.locks/models--org--name/{etag}.lock
 * </pre>
 */
final class HubCache {

    private static final String CACHEDIR_TAG = """
            Signature: 8a477f597d28d172789f06886806bc55
            # This file is a cache directory tag created by huggingface_hub.
            # For information about cache directory tags, see:
            #\thttps://bford.info/cachedir/
            """;
    /** FileChannel locks belong to the whole JVM: threads of one process take this lock first. */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path root;
    private final Path repoDir;
    private final Path locksDir;

    HubCache(Path root, RepoRef ref) {
        // absolute and normalised, so the relative links between snapshots and blobs come out right
        root = root.toAbsolutePath().normalize();
        this.root = root;
        this.repoDir = root.resolve(ref.cacheFolderName());
        this.locksDir = root.resolve(".locks").resolve(ref.cacheFolderName());
    }

    Path repoDir() {
        return repoDir;
    }

    Path blob(String etag) {
        return repoDir.resolve("blobs").resolve(checkedName(etag));
    }

    Path incomplete(String etag) {
        return repoDir.resolve("blobs").resolve(checkedName(etag) + ".incomplete");
    }

    Path snapshot(String commit) {
        return repoDir.resolve("snapshots").resolve(checkedName(commit));
    }

    /** Where a repository file appears in a snapshot; refuses names that would leave the snapshot folder. */
    Path pointer(String commit, String file) throws HubException {
        Path dir = snapshot(commit);
        Path p = dir.resolve(file).normalize();
        if (file.startsWith("/") || file.contains("\\") || !p.startsWith(dir) || p.equals(dir)) {
            throw new HubException("refusing a repository file name that leaves the snapshot folder: " + file);
        }
        return p;
    }

    /** The commit {@code refs/{revision}} records, if any. */
    Optional<String> ref(String revision) throws IOException {
        Path p = repoDir.resolve("refs").resolve(revision).normalize();
        if (!p.startsWith(repoDir.resolve("refs")) || !Files.isRegularFile(p)) {
            return Optional.empty();
        }
        String commit = Files.readString(p, StandardCharsets.UTF_8).strip();
        return RepoRef.isCommit(commit) ? Optional.of(commit) : Optional.empty();
    }

    /** Records the commit a branch or tag resolved to (written whole, then renamed, so readers never see half). */
    void writeRef(String revision, String commit) throws IOException {
        Path p = repoDir.resolve("refs").resolve(revision).normalize();
        if (!p.startsWith(repoDir.resolve("refs"))) {
            throw new HubException("refusing revision name " + revision);
        }
        if (ref(revision).filter(commit::equals).isPresent()) {
            return;
        }
        Files.createDirectories(p.getParent());
        Path tmp = p.resolveSibling(p.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8) + ".tmp");
        Files.writeString(tmp, commit, StandardCharsets.UTF_8);
        move(tmp, p);
    }

    /** Marks a file as known not to exist at a commit, as huggingface_hub does after a 404 for it. */
    void markMissing(String commit, String file) throws IOException {
        Path marker = repoDir.resolve(".no_exist").resolve(checkedName(commit)).resolve(file).normalize();
        if (marker.startsWith(repoDir.resolve(".no_exist")) && !Files.exists(marker)) {
            Files.createDirectories(marker.getParent());
            try {
                Files.createFile(marker);
            } catch (FileAlreadyExistsException raced) {
                // another process marked it first
            }
        }
    }

    /** Points {@code pointer} at {@code blob} with a relative symlink, replacing whatever was there. */
    void link(Path blob, Path pointer) throws IOException {
        Files.createDirectories(pointer.getParent());
        Path target = pointer.getParent().relativize(blob);
        if (Files.isSymbolicLink(pointer) && Files.readSymbolicLink(pointer).equals(target)) {
            return;
        }
        Path tmp = pointer.resolveSibling("." + pointer.getFileName() + "." + UUID.randomUUID() + ".link");
        try {
            Files.createSymbolicLink(tmp, target);
        } catch (UnsupportedOperationException | IOException noSymlinks) {
            // huggingface_hub's fallback where symlinks are not allowed: a copy of the blob
            Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        move(tmp, pointer);
    }

    /** Writes CACHEDIR.TAG at the cache root (backup tools skip the folder), as huggingface_hub does. */
    void tag() {
        Path tag = root.resolve("CACHEDIR.TAG");
        if (!Files.exists(tag)) {
            try {
                Files.createDirectories(root);
                Files.writeString(tag, CACHEDIR_TAG);
            } catch (IOException ignored) {
                // only a courtesy to backup tools
            }
        }
    }

    /**
     * Holds the download lock of one blob: across threads of this JVM, and across processes through an OS lock on
     * {@code .locks/.../{etag}.lock} (fcntl on Linux: other Djinn processes see it; huggingface_hub's flock does not,
     * which is why every download is verified before it is renamed into place).
     */
    BlobLock lock(String etag) throws IOException {
        Path file = locksDir.resolve(checkedName(etag) + ".lock");
        Files.createDirectories(locksDir);
        ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(file.toAbsolutePath(), k -> new ReentrantLock());
        jvm.lock();
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                return new BlobLock(jvm, ch, ch.lock());
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            jvm.unlock();
            throw e;
        }
    }

    record BlobLock(ReentrantLock jvm, FileChannel channel, FileLock lock) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                lock.release();
                channel.close();
            } finally {
                jvm.unlock();
            }
        }
    }

    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String checkedName(String s) {
        if (s.isEmpty() || s.contains("/") || s.contains("\\") || s.equals(".") || s.equals("..")) {
            throw new IllegalArgumentException("not a file name: " + s);
        }
        return s;
    }
}
