package io.djinn.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The Hub's HTTP surface as huggingface_hub uses it: the model API for a revision's commit and file listing, a HEAD
 * on {@code /{repo}/resolve/{commit}/{file}} for a file's ETag, size and location (an LFS file answers with a
 * redirect to its storage, carrying {@code X-Linked-Etag} and {@code X-Linked-Size}), and ranged GETs of that
 * location. The token goes only to the endpoint's own host, never to the storage a redirect points at.
 */
final class HubClient implements AutoCloseable {

    private static final int MAX_REDIRECTS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER_AGENT = "djinn; java/" + Runtime.version().feature();

    private final HubSettings settings;
    private final URI endpoint;
    private final HttpClient http;

    HubClient(HubSettings settings) {
        this.settings = settings;
        this.endpoint = URI.create(settings.endpoint() + "/");
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** What a HEAD of a file says: the blob name, its size, the commit served and where the bytes are. */
    record FileMeta(String etag, OptionalLong size, String commit, URI location) {}

    /** Receives a file body: where it starts within the file, then its bytes in order. */
    interface Receiver {
        void begin(long start) throws IOException;

        void accept(ByteBuffer chunk) throws IOException;
    }

    /** {@code GET /api/models/{repo}/revision/{revision}?blobs=true}: the commit and every file with its metadata. */
    RepoInfo info(RepoRef ref) throws HubException {
        URI uri = URI.create(settings.endpoint() + "/api/models/" + ref.repoId() + "/revision/"
                + encode(ref.revision(), false) + "?blobs=true");
        HttpResponse<byte[]> r = send(uri, "GET", HttpResponse.BodyHandlers.ofByteArray(), ref);
        if (r.statusCode() != 200) {
            throw failure(r, ref, null);
        }
        try {
            JsonNode json = JSON.readTree(r.body());
            String commit = json.path("sha").asText("");
            if (!RepoRef.isCommit(commit)) {
                throw new HubException(uri + " answered without a commit sha: is " + settings.endpoint()
                        + " a Hugging Face Hub?");
            }
            Map<String, RepoInfo.RepoFile> files = new LinkedHashMap<>();
            for (JsonNode s : json.path("siblings")) {
                String name = s.path("rfilename").asText("");
                if (name.isEmpty()) {
                    continue;
                }
                JsonNode lfs = s.path("lfs");
                OptionalLong size = s.path("size").canConvertToLong() ? OptionalLong.of(s.get("size").asLong())
                        : lfs.path("size").canConvertToLong() ? OptionalLong.of(lfs.get("size").asLong())
                        : OptionalLong.empty();
                files.put(name, new RepoInfo.RepoFile(name, size, text(s.path("blobId")), text(lfs.path("sha256"))));
            }
            return new RepoInfo(commit, files);
        } catch (IOException e) {
            throw new HubException(uri + " answered with JSON Djinn cannot read: " + e.getMessage(), e);
        }
    }

    /** HEAD of {@code /{repo}/resolve/{commit}/{file}}, stopping at a redirect to another host (the LFS storage). */
    FileMeta head(RepoRef ref, String commit, String file) throws HubException {
        URI uri = resolveUri(ref, commit, file);
        HttpResponse<Void> r = send(uri, "HEAD", HttpResponse.BodyHandlers.discarding(), ref);
        int status = r.statusCode();
        boolean redirect = status / 100 == 3;
        if (status / 100 != 2 && !redirect) {
            throw failure(r, ref, file);
        }
        Optional<String> etag = header(r, "X-Linked-Etag").or(() -> header(r, "ETag")).map(HubClient::normalizeEtag);
        OptionalLong size = longHeader(r, "X-Linked-Size");
        if (size.isEmpty() && !redirect) {
            size = longHeader(r, "Content-Length");
        }
        String served = header(r, "X-Repo-Commit").orElse("");
        if (etag.isEmpty() || served.isEmpty()) {
            throw new HubException(uri + " answered without " + (etag.isEmpty() ? "an ETag" : "X-Repo-Commit")
                    + ": is " + settings.endpoint() + " a Hugging Face Hub (or is a proxy rewriting its headers)?");
        }
        URI location = redirect ? follow(r.uri(), header(r, "Location").orElseThrow(
                () -> new HubException(uri + " redirected without a Location"))) : r.uri();
        return new FileMeta(etag.get(), size, served, location);
    }

    /**
     * GETs {@code location} from byte {@code offset} on, following redirects, into {@code receiver}. A body that
     * stalls, a dropped connection or a cancellation ends in an {@link IOException} that is not a
     * {@link HubException}: the caller resumes from what it received. An HTTP error ends in a {@link HubException}.
     */
    void get(RepoRef ref, String file, URI location, long offset, Receiver receiver, BooleanSupplier cancelled)
            throws IOException {
        URI uri = location;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = request(uri, "GET");
            if (offset > 0) {
                b.header("Range", "bytes=" + offset + "-");
            }
            AtomicLong activity = new AtomicLong(System.nanoTime());
            Body body = new Body();
            BodyHandler<Void> handler = info -> {
                int status = info.statusCode();
                if (status == 200 || status == 206) {
                    long start = status == 206 ? rangeStart(info.headers().firstValue("Content-Range")) : 0;
                    return BodySubscribers.fromSubscriber(body.attach(new FileSink(start, receiver, activity)));
                }
                return BodySubscribers.discarding();
            };
            HttpResponse<Void> r = await(http.sendAsync(b.build(), handler), activity, cancelled, body);
            if (r.statusCode() / 100 == 3 && r.headers().firstValue("Location").isPresent()) {
                uri = follow(r.uri(), r.headers().firstValue("Location").get());
                continue;
            }
            if (r.statusCode() == 200 || r.statusCode() == 206) {
                if (r.statusCode() == 206 && body.sink.start != offset) {
                    throw new HubException(uri + " answered a range from byte " + offset + " with one from byte "
                            + body.sink.start);
                }
                return;
            }
            throw failure(r, ref, file);
        }
        throw new HubException(location + ": more than " + MAX_REDIRECTS + " redirects");
    }

    URI resolveUri(RepoRef ref, String commit, String file) {
        return URI.create(settings.endpoint() + "/" + ref.repoId() + "/resolve/" + encode(commit, false) + "/"
                + encode(file, true));
    }

    @Override
    public void close() {
        http.shutdownNow();
    }

    /** Sends and follows redirects within the endpoint's host (a renamed repository); connection trouble wrapped. */
    private <T> HttpResponse<T> send(URI uri, String method, BodyHandler<T> handler, RepoRef ref) throws HubException {
        URI u = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpResponse<T> r;
            try {
                r = await(http.sendAsync(request(u, method).build(), handler), new AtomicLong(System.nanoTime()),
                        () -> false, new Body());
            } catch (HubException e) {
                throw e;
            } catch (IOException e) {
                throw unreachable(e);
            }
            Optional<String> location = header(r, "Location");
            if (r.statusCode() / 100 != 3 || location.isEmpty()) {
                return r;
            }
            URI next = follow(r.uri(), location.get());
            if (!sameAuthority(next, endpoint)) {
                return r;
            }
            u = next;
        }
        throw new HubException(uri + ": more than " + MAX_REDIRECTS + " redirects");
    }

    private HttpRequest.Builder request(URI uri, String method) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(settings.timeout())
                .method(method, HttpRequest.BodyPublishers.noBody())
                .header("User-Agent", USER_AGENT)
                // the real size of a file, not of a compressed body
                .header("Accept-Encoding", "identity");
        if (settings.token().isPresent() && sameAuthority(uri, endpoint)) {
            b.header("Authorization", "Bearer " + settings.token().get());
        }
        return b;
    }

    /**
     * Waits for a response without trusting the network to end it: a body that delivers nothing for
     * the settings' timeout, or a cancellation, aborts the exchange.
     */
    private <T> HttpResponse<T> await(CompletableFuture<HttpResponse<T>> f, AtomicLong activity,
            BooleanSupplier cancelled, Body body) throws IOException {
        while (true) {
            try {
                return f.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                Throwable refused = body.failure();
                if (refused != null) {
                    // the receiver refused the body (a write failed, too many bytes): the exchange is cancelled
                    body.abort(f);
                    throw refused instanceof IOException io ? io : new IOException(refused);
                }
                if (cancelled.getAsBoolean()) {
                    body.abort(f);
                    throw new InterruptedIOException("download cancelled");
                }
                if (System.nanoTime() - activity.get() > settings.timeout().toNanos()) {
                    body.abort(f);
                    throw new HttpTimeoutException("no data for " + settings.timeout().toMillis() + " ms");
                }
            } catch (InterruptedException e) {
                body.abort(f);
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            } catch (ExecutionException e) {
                Throwable cause = body.failure() != null ? body.failure() : e.getCause();
                if (cause instanceof IOException io) {
                    throw io;
                }
                throw new IOException(cause);
            }
        }
    }

    /**
     * The body subscriber of one exchange, once the headers have chosen one. Aborting stops it for good, also when the
     * headers arrive only after the abort: no write of an abandoned exchange lands after the caller moved on.
     */
    private static final class Body {
        private volatile FileSink sink;
        private volatile boolean aborted;

        FileSink attach(FileSink s) {
            sink = s;
            if (aborted) {
                s.stop();
            }
            return s;
        }

        Throwable failure() {
            FileSink s = sink;
            return s == null ? null : s.failure;
        }

        void abort(CompletableFuture<?> f) {
            aborted = true;
            FileSink s = sink;
            if (s != null) {
                s.stop();
            }
            f.cancel(true);
        }
    }

    /** The message a user can act on, for an HTTP error of the model API or of a file. */
    private HubException failure(HttpResponse<?> r, RepoRef ref, String file) {
        int status = r.statusCode();
        String code = header(r, "X-Error-Code").orElse("");
        String detail = header(r, "X-Error-Message").map(m -> ": " + m).orElse("");
        String page = settings.endpoint() + "/" + ref.repoId();
        String what = file == null ? ref.repoId() : file + " of " + ref.repoId();
        if (!sameAuthority(r.uri(), endpoint)) {
            // the storage host a redirect pointed at, not the Hub: its URLs are signed and expire
            HubException.Reason reason = status == 401 || status == 403 ? HubException.Reason.DENIED
                    : status == 404 ? HubException.Reason.NOT_FOUND
                    : status == 429 || status / 100 == 5 ? HubException.Reason.UNREACHABLE
                    : HubException.Reason.INVALID;
            return new HubException(reason, "the storage host " + r.uri().getHost() + " answered HTTP " + status
                    + " for " + what + " (its link from the Hub may have expired; a new start asks for a fresh one)",
                    null);
        }
        if (code.equals("RevisionNotFound")) {
            return new HubException(HubException.Reason.REVISION_NOT_FOUND, "revision '" + ref.revision()
                    + "' not found in " + ref.repoId() + " on " + settings.endpoint() + " (HTTP " + status + detail
                    + "); check the @revision in djinn.model.path or djinn.model.revision", null);
        }
        if (code.equals("EntryNotFound")) {
            return new HubException(HubException.Reason.NOT_FOUND, what + " not found on " + settings.endpoint()
                    + " (HTTP " + status + detail + ")", null);
        }
        if (status == 401 || status == 403) {
            String token = settings.token().isPresent()
                    ? "the token from " + settings.tokenSource() + " was not accepted for it"
                    : "no token was sent";
            String gated = code.equals("GatedRepo") ? ref.repoId() + " is a gated model"
                    : code.equals("RepoNotFound") ? ref.repoId() + " does not exist, or it is private or gated"
                    : ref.repoId() + " is gated or private";
            return new HubException(HubException.Reason.DENIED, "The Hugging Face Hub refused " + what + " (HTTP "
                    + status + detail + "): " + gated + " and " + token + ". Accept the model's licence on " + page
                    + " while logged in, then pass a read token of that account with HF_TOKEN or "
                    + "djinn.model.hf-token.", null);
        }
        if (status == 404) {
            return new HubException(HubException.Reason.NOT_FOUND, file == null
                    ? "repository " + ref.repoId() + " not found on " + settings.endpoint() + " (HTTP 404" + detail
                            + "); check the repository id in djinn.model.path"
                    : what + " not found at " + ref.revision() + " on " + settings.endpoint() + " (HTTP 404" + detail
                            + ")", null);
        }
        HubException.Reason reason = status == 429 || status / 100 == 5 ? HubException.Reason.UNREACHABLE
                : HubException.Reason.INVALID;
        return new HubException(reason, settings.endpoint() + " answered HTTP " + status + detail + " for " + what
                + " (" + r.uri() + ")", null);
    }

    HubException unreachable(IOException e) {
        return new HubException(HubException.Reason.UNREACHABLE, "cannot reach the Hugging Face Hub at "
                + settings.endpoint() + " (" + describe(e) + ")", e);
    }

    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 300; t = t.getCause() == t ? null : t.getCause()) {
            if (!sb.isEmpty()) {
                sb.append(": ");
            }
            sb.append(t.getClass().getSimpleName());
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                sb.append(' ').append(t.getMessage());
            }
        }
        return sb.toString();
    }

    /** huggingface_hub's ETag normalisation: drop a weak-validator prefix and the quotes. */
    static String normalizeEtag(String etag) {
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        return e.replace("\"", "");
    }

    /** Percent-encodes a path segment (or a path, keeping its slashes), as Python's urllib.parse.quote does. */
    static String encode(String s, boolean keepSlashes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0
                    || (keepSlashes && c == '/')) {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    /** Where a redirect points, relative to the URL that answered it. */
    private static URI follow(URI from, String location) throws HubException {
        try {
            return from.resolve(location.strip());
        } catch (IllegalArgumentException e) {
            throw new HubException(from + " redirected to an invalid URL: " + location, e);
        }
    }

    private static boolean sameAuthority(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && String.valueOf(a.getRawAuthority())
                .equalsIgnoreCase(String.valueOf(b.getRawAuthority()));
    }

    private static Optional<String> header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).map(String::strip).filter(v -> !v.isEmpty());
    }

    private static OptionalLong longHeader(HttpResponse<?> r, String name) {
        try {
            return header(r, name).map(v -> OptionalLong.of(Long.parseLong(v))).orElse(OptionalLong.empty());
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static Optional<String> text(JsonNode n) {
        return n.isTextual() && !n.asText().isBlank() ? Optional.of(n.asText()) : Optional.empty();
    }

    /** "bytes 100-999/1000" → 100. */
    private static long rangeStart(Optional<String> contentRange) {
        String v = contentRange.orElse("").strip();
        int dash = v.indexOf('-');
        if (!v.startsWith("bytes ") || dash < 0) {
            return -1;
        }
        try {
            return Long.parseLong(v.substring(6, dash).strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Hands a body to the receiver chunk by chunk; once stopped it writes nothing more. */
    private static final class FileSink implements Flow.Subscriber<List<ByteBuffer>> {
        final long start;
        private final Receiver receiver;
        private final AtomicLong activity;
        private Flow.Subscription subscription;
        private boolean stopped;
        volatile Throwable failure;

        FileSink(long start, Receiver receiver, AtomicLong activity) {
            this.start = start;
            this.receiver = receiver;
            this.activity = activity;
        }

        @Override
        public synchronized void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (stopped) {
                s.cancel();
                return;
            }
            try {
                if (start < 0) {
                    throw new HubException("a 206 answer without a readable Content-Range");
                }
                receiver.begin(start);
            } catch (Throwable t) {
                fail(t);
                return;
            }
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> chunks) {
            synchronized (this) {
                if (stopped) {
                    return;
                }
                try {
                    for (ByteBuffer b : chunks) {
                        receiver.accept(b);
                    }
                } catch (Throwable t) {
                    fail(t);
                    return;
                }
                activity.set(System.nanoTime());
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            // the exchange's own failure (connection dropped): reported through the response future
        }

        @Override
        public void onComplete() {}

        private void fail(Throwable t) {
            failure = t;
            stopped = true;
            subscription.cancel();
        }

        synchronized void stop() {
            stopped = true;
            if (subscription != null) {
                subscription.cancel();
            }
        }
    }
}
