package io.djinn.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A Hugging Face Hub on loopback, in the Hub's URL layout, for tests: the model API
 * ({@code /api/models/{repo}/revision/{rev}?blobs=true} with {@code sha} and {@code siblings} carrying size,
 * {@code blobId} and {@code lfs.sha256}), and {@code /{repo}/resolve/{rev}/{file}} for HEAD and GET. Files kept in
 * git answer 200 with their git blob id as ETag; safetensors files are "LFS" and answer 302 to a second server on
 * another port (the storage), with {@code X-Linked-Etag} and {@code X-Linked-Size}. Every answer carries
 * {@code X-Repo-Commit}; bodies honour {@code Range: bytes=N-}; errors carry the Hub's {@code X-Error-Code}.
 * Faults on demand: a connection dropped in the middle of a body, a corrupted body, a gated repository, bodies held
 * until released. Every request is recorded.
 */
public final class FakeHub implements AutoCloseable {

    /** One request as a server saw it ({@code server} is "hub" or "storage"); null where a header was absent. */
    public record Request(String server, String method, String path, String range, String authorization) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer hub;
    private final HttpServer storage;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-hub");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, byte[]> lfsBlobs = new ConcurrentHashMap<>();
    private final Map<String, Long> dropAfter = new ConcurrentHashMap<>();
    private final Map<String, Long> stallAfter = new ConcurrentHashMap<>();
    private final Set<String> corrupt = ConcurrentHashMap.newKeySet();
    private final Set<String> expired = ConcurrentHashMap.newKeySet();
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private volatile CountDownLatch release = new CountDownLatch(1);
    private volatile int gatherBodies;
    private final AtomicInteger bodiesInFlight = new AtomicInteger();
    private final AtomicInteger maxBodiesInFlight = new AtomicInteger();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    private static final class Repo {
        final Map<String, String> refs = new ConcurrentHashMap<>();
        final Map<String, Map<String, byte[]>> commits = new ConcurrentHashMap<>();
        volatile String token;
    }

    public FakeHub() throws IOException {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        hub = HttpServer.create(loopback, 0);
        storage = HttpServer.create(loopback, 0);
        hub.createContext("/", this::hub);
        storage.createContext("/", this::storage);
        hub.setExecutor(pool);
        storage.setExecutor(pool);
        hub.start();
        storage.start();
    }

    /** The Hub's base URL, for HF_ENDPOINT / djinn.model.hub-endpoint. */
    public String endpoint() {
        return "http://127.0.0.1:" + hub.getAddress().getPort();
    }

    /** Publishes every file under {@code folder} as the head of {@code main}; returns the commit. */
    public String publish(String repoId, Path folder) throws IOException {
        return publish(repoId, "main", read(folder));
    }

    /** Publishes {@code files} as a new commit at the head of {@code branch}; returns the commit. */
    public String publish(String repoId, String branch, Map<String, byte[]> files) {
        Repo repo = repos.computeIfAbsent(repoId, k -> new Repo());
        StringBuilder content = new StringBuilder(repoId).append(repo.commits.size());
        new TreeMap<>(files).forEach((name, bytes) -> content.append(name).append(sha256(bytes)));
        String commit = sha1(content.toString().getBytes(StandardCharsets.UTF_8));
        repo.commits.put(commit, Map.copyOf(files));
        repo.refs.put(branch, commit);
        files.forEach((name, bytes) -> {
            if (isLfs(name)) {
                lfsBlobs.put(sha256(bytes), bytes);
            }
        });
        return commit;
    }

    public static Map<String, byte[]> read(Path folder) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        return files;
    }

    /** Files of the repository need {@code Authorization: Bearer token} (its listing stays public, as on the Hub). */
    public void gate(String repoId, String token) {
        repos.get(repoId).token = token;
    }

    /** The next body of {@code file} stops after {@code bytes} bytes and the connection is closed. */
    public void dropOnce(String file, long bytes) {
        dropAfter.put(file, bytes);
    }

    /** The next body of {@code file} sends nothing more after {@code bytes} bytes, keeping the connection open. */
    public void stallOnce(String file, long bytes) {
        stallAfter.put(file, bytes);
    }

    /** The storage answers the next request for {@code file} with 403, as for a signed link that expired. */
    public void expireOnce(String file) {
        expired.add(file);
    }

    /** Bodies of {@code file} have one byte flipped from now on (the listing keeps the true hashes). */
    public void corrupt(String file) {
        corrupt.add(file);
    }

    /** Bodies of {@code file} wait until {@link #release()} (or {@code POST /_fake/release}). */
    public void hold(String file) {
        held.add(file);
    }

    public void release() {
        release.countDown();
    }

    /**
     * Storage (LFS) bodies wait (up to 5 s each) until {@code n} have been in flight at once: only parallel downloads
     * get there fast; once they have, nothing waits any more.
     */
    public void gatherBodies(int n) {
        gatherBodies = n;
    }

    public int maxBodiesInFlight() {
        return maxBodiesInFlight.get();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public void clearRequests() {
        requests.clear();
    }

    public void stop() {
        release();
        hub.stop(0);
        storage.stop(0);
    }

    @Override
    public void close() {
        stop();
        pool.shutdownNow();
    }

    private void hub(HttpExchange ex) throws IOException {
        try (ex) {
            record(ex, "hub");
            List<String> seg = segments(ex.getRequestURI().getRawPath());
            if (seg.size() == 2 && seg.get(0).equals("_fake") && seg.get(1).equals("release")) {
                release();
                send(ex, 204, Map.of(), null);
                return;
            }
            if (seg.size() >= 6 && seg.get(0).equals("api") && seg.get(1).equals("models")
                    && seg.get(4).equals("revision")) {
                modelInfo(ex, seg.get(2) + "/" + seg.get(3), String.join("/", seg.subList(5, seg.size())));
            } else if (seg.size() >= 5 && seg.get(2).equals("resolve")) {
                resolve(ex, seg.get(0) + "/" + seg.get(1), seg.get(3), String.join("/", seg.subList(4, seg.size())));
            } else {
                send(ex, 404, Map.of(), null);
            }
        }
    }

    private void modelInfo(HttpExchange ex, String repoId, String revision) throws IOException {
        Repo repo = repos.get(repoId);
        if (repo == null) {
            error(ex, 404, "RepoNotFound", "Repository not found");
            return;
        }
        String commit = commitOf(repo, revision);
        if (commit == null) {
            error(ex, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return;
        }
        ObjectNode info = JSON.createObjectNode().put("id", repoId).put("sha", commit)
                .put("gated", repo.token == null ? "false" : "manual");
        ArrayNode siblings = info.putArray("siblings");
        new TreeMap<>(repo.commits.get(commit)).forEach((name, bytes) -> {
            ObjectNode s = siblings.addObject().put("rfilename", name).put("size", bytes.length);
            if (isLfs(name)) {
                String pointer = pointerFile(bytes);
                s.put("blobId", gitBlobId(pointer.getBytes(StandardCharsets.UTF_8)));
                s.putObject("lfs").put("size", bytes.length).put("sha256", sha256(bytes))
                        .put("pointerSize", pointer.length());
            } else {
                s.put("blobId", gitBlobId(bytes));
            }
        });
        byte[] body = JSON.writeValueAsBytes(info);
        send(ex, 200, Map.of("Content-Type", "application/json"), body);
    }

    private void resolve(HttpExchange ex, String repoId, String revision, String file) throws IOException {
        Repo repo = repos.get(repoId);
        if (repo == null) {
            error(ex, 404, "RepoNotFound", "Repository not found");
            return;
        }
        String commit = commitOf(repo, revision);
        if (commit == null) {
            error(ex, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return;
        }
        if (repo.token != null) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth == null) {
                error(ex, 401, "GatedRepo", "Access to model " + repoId + " is restricted. You must have access to it"
                        + " and be authenticated to access it. Please log in.");
                return;
            }
            if (!auth.equals("Bearer " + repo.token)) {
                error(ex, 403, "GatedRepo", "Access to model " + repoId + " is restricted and you are not in the "
                        + "authorized list. Visit https://huggingface.co/" + repoId + " to ask for access.");
                return;
            }
        }
        byte[] bytes = repo.commits.get(commit).get(file);
        if (bytes == null) {
            ex.getResponseHeaders().set("X-Repo-Commit", commit);
            error(ex, 404, "EntryNotFound", "Entry not found");
            return;
        }
        ex.getResponseHeaders().set("X-Repo-Commit", commit);
        if (isLfs(file)) {
            String sha = sha256(bytes);
            ex.getResponseHeaders().set("ETag", "\"" + gitBlobId(pointerFile(bytes).getBytes(StandardCharsets.UTF_8))
                    + "\"");
            ex.getResponseHeaders().set("X-Linked-Etag", "\"" + sha + "\"");
            ex.getResponseHeaders().set("X-Linked-Size", Long.toString(bytes.length));
            ex.getResponseHeaders().set("Location", "http://127.0.0.1:" + storage.getAddress().getPort() + "/blobs/"
                    + sha + "?file=" + file);
            send(ex, 302, Map.of(), null);
            return;
        }
        ex.getResponseHeaders().set("ETag", "\"" + gitBlobId(bytes) + "\"");
        body(ex, file, bytes, false);
    }

    private void storage(HttpExchange ex) throws IOException {
        try (ex) {
            record(ex, "storage");
            List<String> seg = segments(ex.getRequestURI().getRawPath());
            byte[] bytes = seg.size() == 2 && seg.get(0).equals("blobs") ? lfsBlobs.get(seg.get(1)) : null;
            if (bytes == null) {
                send(ex, 404, Map.of(), null);
                return;
            }
            String query = ex.getRequestURI().getQuery();
            String file = query != null && query.startsWith("file=") ? query.substring(5) : "";
            if (expired.remove(file)) {
                send(ex, 403, Map.of(), "Request has expired".getBytes(StandardCharsets.UTF_8));
                return;
            }
            ex.getResponseHeaders().set("ETag", "\"" + sha256(bytes) + "\"");
            body(ex, file, bytes, true);
        }
    }

    /** Sends a file (or its requested range) with the faults asked for. */
    private void body(HttpExchange ex, String file, byte[] bytes, boolean gather) throws IOException {
        byte[] served = bytes;
        if (corrupt.contains(file)) {
            served = Arrays.copyOf(bytes, bytes.length);
            served[served.length / 2] ^= 0x5a;
        }
        ex.getResponseHeaders().set("Accept-Ranges", "bytes");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().set("Content-Length", Long.toString(bytes.length));
            ex.sendResponseHeaders(200, -1);
            return;
        }
        int from = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            from = Integer.parseInt(range.substring(6, range.length() - 1));
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/"
                    + bytes.length);
        }
        int inFlight = bodiesInFlight.incrementAndGet();
        maxBodiesInFlight.accumulateAndGet(inFlight, Math::max);
        try {
            long gatherUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (gather && maxBodiesInFlight.get() < gatherBodies && System.nanoTime() < gatherUntil) {
                Thread.sleep(5);
            }
            if (held.contains(file)) {
                release.await(120, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            bodiesInFlight.decrementAndGet();
        }
        ex.sendResponseHeaders(from > 0 ? 206 : 200, served.length - from);
        OutputStream out = ex.getResponseBody();
        Long stall = stallAfter.remove(file);
        if (stall != null && stall > from) {
            out.write(served, from, (int) (stall - from));
            out.flush();
            try {
                Thread.sleep(60_000); // until the client gives up and the server is stopped
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("stalled on purpose after " + stall + " bytes of " + file);
        }
        Long drop = dropAfter.remove(file);
        if (drop != null && drop > from) {
            out.write(served, from, (int) (drop - from));
            out.flush();
            // a handler that throws makes the server close the connection: fewer bytes than announced
            throw new IOException("connection dropped on purpose after " + drop + " bytes of " + file);
        }
        out.write(served, from, served.length - from);
    }

    private static String commitOf(Repo repo, String revision) {
        if (repo.commits.containsKey(revision)) {
            return revision;
        }
        return repo.refs.get(revision);
    }

    private void record(HttpExchange ex, String server) {
        requests.add(new Request(server, ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
                ex.getRequestHeaders().getFirst("Range"), ex.getRequestHeaders().getFirst("Authorization")));
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        send(ex, status, Map.of("X-Error-Code", code, "X-Error-Message", message), null);
    }

    private static void send(HttpExchange ex, int status, Map<String, String> headers, byte[] body)
            throws IOException {
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        if (body == null || ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    static boolean isLfs(String name) {
        return name.endsWith(".safetensors");
    }

    /** The git-lfs pointer file that git keeps in place of an LFS file. */
    private static String pointerFile(byte[] bytes) {
        return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256(bytes) + "\nsize " + bytes.length
                + "\n";
    }

    public static String sha256(byte[] bytes) {
        return digest("SHA-256", bytes);
    }

    /** Git's object id of a blob: sha1 of "blob <size>\0" and the content. */
    public static String gitBlobId(byte[] bytes) {
        byte[] header = ("blob " + bytes.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(header, header.length + bytes.length);
        System.arraycopy(bytes, 0, all, header.length, bytes.length);
        return sha1(all);
    }

    private static String sha1(byte[] bytes) {
        return digest("SHA-1", bytes);
    }

    private static String digest(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
