package io.djinn.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.djinn.common.DjlEnvironment;
import io.djinn.checkpoint.CheckpointGenerator;
import io.djinn.checkpoint.CheckpointSpec;
import io.djinn.model.Architecture;
import io.djinn.model.KvCache;
import io.djinn.model.LlamaModel;
import io.djinn.tokenizer.Tokenizer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints by repository id against a Hub on loopback ({@link FakeHub}): what lands in the cache and how it is
 * laid out (so huggingface_hub reads it and the other way round), resuming, verification, the errors a user can act
 * on, and that what was downloaded loads and computes the same logits as the folder it was published from.
 */
class HubCheckpointsTest {

    @TempDir
    static Path shared;
    static Path source;
    static Path sharded;

    @TempDir
    Path cacheDir;
    FakeHub hub;

    @BeforeAll
    static void checkpoints() throws IOException {
        DjlEnvironment.init();
        source = shared.resolve("tiny");
        CheckpointGenerator.generate(CheckpointSpec.tiny(Architecture.LLAMA), source);
        sharded = shared.resolve("tiny-sharded");
        CheckpointGenerator.generate(CheckpointSpec.tiny(Architecture.QWEN2).withWeights("F32", 7, 200_000), sharded);
    }

    @AfterEach
    void stopHub() {
        if (hub != null) {
            hub.close();
        }
    }

    private HubSettings settings() {
        return HubSettings.of(hub.endpoint(), cacheDir);
    }

    private Path repoDir(String repoId) {
        return cacheDir.resolve("models--" + repoId.replace("/", "--"));
    }

    @Test
    void firstDownloadFillsTheHubCacheLayoutAndTheModelLoads() throws Exception {
        hub = new FakeHub();
        String commit = hub.publish("acme/tiny", source);
        List<DownloadStatus> statuses = new CopyOnWriteArrayList<>();

        Path snapshot = HubCheckpoints.resolve("acme/tiny", settings(), statuses::add);

        Path repo = repoDir("acme/tiny");
        assertEquals(repo.resolve("snapshots").resolve(commit), snapshot);
        Map<String, byte[]> published = FakeHub.read(source);
        for (var e : published.entrySet()) {
            Path pointer = snapshot.resolve(e.getKey());
            assertTrue(Files.isSymbolicLink(pointer), e.getKey() + " is a link into blobs/");
            String etag = FakeHub.isLfs(e.getKey()) ? FakeHub.sha256(e.getValue()) : FakeHub.gitBlobId(e.getValue());
            assertEquals(Path.of("..", "..", "blobs", etag), Files.readSymbolicLink(pointer),
                    "relative link to the blob named by its ETag, as huggingface_hub makes it");
            assertArrayEquals(e.getValue(), Files.readAllBytes(pointer), e.getKey());
        }
        assertEquals(commit, Files.readString(repo.resolve("refs/main")));
        assertTrue(Files.readString(cacheDir.resolve("CACHEDIR.TAG"))
                .startsWith("Signature: 8a477f597d28d172789f06886806bc55"));
        assertTrue(Files.exists(repo.resolve(".no_exist").resolve(commit).resolve("special_tokens_map.json")),
                "files the repository lacks are marked as huggingface_hub marks them");
        try (Stream<Path> blobs = Files.list(repo.resolve("blobs"))) {
            assertTrue(blobs.noneMatch(p -> p.toString().endsWith(".incomplete")));
        }
        DownloadStatus last = statuses.getLast();
        long total = published.values().stream().mapToLong(b -> b.length).sum();
        assertTrue(last.finished());
        assertEquals(total, last.totalBytes());
        assertEquals(total, last.doneBytes());
        assertEquals(published.size(), last.files());
        assertTrue(last.describe().contains("acme/tiny") && last.describe().contains("100%"), last.describe());

        assertArrayEquals(logits(source), logits(snapshot),
                "the downloaded checkpoint computes what the original does");
        assertTrue(Tokenizer.load(snapshot).encode("hello world").length > 0);
        assertTrue(hub.requests().stream().anyMatch(r -> r.path().equals("/api/models/acme/tiny/revision/main")));
    }

    @Test
    void secondStartServesFromTheCacheWithTheHubGone() throws Exception {
        hub = new FakeHub();
        hub.publish("acme/tiny", source);
        Path first = HubCheckpoints.resolve("acme/tiny", settings(), ProgressListener.NONE);

        hub.clearRequests();
        assertEquals(first, HubCheckpoints.resolve("acme/tiny", settings(), ProgressListener.NONE));
        assertEquals(List.of("GET /api/models/acme/tiny/revision/main"), hub.requests().stream()
                .map(r -> r.method() + " " + r.path()).toList(), "a cached snapshot costs one API call, no file");

        HubSettings online = settings();
        hub.stop();
        assertEquals(first, HubCheckpoints.resolve("acme/tiny", online, ProgressListener.NONE),
                "Hub unreachable: the cached snapshot of main stands in");
        assertEquals(first, HubCheckpoints.resolve("acme/tiny", online.withOffline(true), ProgressListener.NONE));
        assertArrayEquals(logits(source), logits(first));
    }

    @Test
    void droppedConnectionResumesWithARangeRequest() throws Exception {
        hub = new FakeHub();
        hub.publish("acme/tiny", source);
        byte[] weights = Files.readAllBytes(source.resolve("model.safetensors"));
        long half = weights.length / 2;
        hub.dropOnce("model.safetensors", half);

        Path snapshot = HubCheckpoints.resolve("acme/tiny", settings(), ProgressListener.NONE);

        List<String> ranges = hub.requests().stream().filter(r -> r.server().equals("storage"))
                .map(r -> String.valueOf(r.range())).toList();
        assertEquals(List.of("null", "bytes=" + half + "-"), ranges,
                "the whole file once, then the rest from where the connection dropped");
        assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
    }

    @Test
    void stalledBodyIsGivenUpAfterTheTimeoutAndResumed() throws Exception {
        hub = new FakeHub();
        hub.publish("acme/tiny", source);
        byte[] weights = Files.readAllBytes(source.resolve("model.safetensors"));
        long quarter = weights.length / 4;
        hub.stallOnce("model.safetensors", quarter);

        Path snapshot = HubCheckpoints.resolve("acme/tiny", settings().withTimeout(java.time.Duration.ofSeconds(1)),
                ProgressListener.NONE);

        assertEquals(List.of("null", "bytes=" + quarter + "-"), hub.requests().stream()
                .filter(r -> r.server().equals("storage")).map(r -> String.valueOf(r.range())).toList());
        assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
    }

    @Test
    void anExpiredStorageLinkIsAskedForAgain() throws Exception {
        hub = new FakeHub();
        String commit = hub.publish("acme/tiny", source);
        hub.expireOnce("model.safetensors");

        Path snapshot = HubCheckpoints.resolve("acme/tiny", settings(), ProgressListener.NONE);

        assertEquals(2, hub.requests().stream().filter(r -> r.method().equals("HEAD")
                && r.path().equals("/acme/tiny/resolve/" + commit + "/model.safetensors")).count());
        assertArrayEquals(Files.readAllBytes(source.resolve("model.safetensors")),
                Files.readAllBytes(snapshot.resolve("model.safetensors")));
    }

    @Test
    void partFileOfAnEarlierRunIsResumed() throws Exception {
        hub = new FakeHub();
        hub.publish("acme/tiny", source);
        byte[] weights = Files.readAllBytes(source.resolve("model.safetensors"));
        int third = weights.length / 3;
        Path part = repoDir("acme/tiny").resolve("blobs").resolve(FakeHub.sha256(weights) + ".incomplete");
        Files.createDirectories(part.getParent());
        Files.write(part, Arrays.copyOf(weights, third));

        Path snapshot = HubCheckpoints.resolve("acme/tiny", settings(), ProgressListener.NONE);

        assertEquals(List.of("bytes=" + third + "-"), hub.requests().stream()
                .filter(r -> r.server().equals("storage")).map(FakeHub.Request::range).toList());
        assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
        assertFalse(Files.exists(part));
    }

    @Test
    void aPartFileThatDoesNotVerifyIsFetchedAgainFromTheStart() throws Exception {
        hub = new FakeHub();
        hub.publish("acme/tiny", source);
        byte[] weights = Files.readAllBytes(source.resolve("model.safetensors"));
        int third = weights.length / 3;
        Path part = repoDir("acme/tiny").resolve("blobs").resolve(FakeHub.sha256(weights) + ".incomplete");
        Files.createDirectories(part.getParent());
        Files.write(part, new byte[third]); // not a prefix of the file: say, a disk that lost what it held

        Path snapshot = HubCheckpoints.resolve("acme/tiny", settings(), ProgressListener.NONE);

        assertEquals(java.util.Arrays.asList("bytes=" + third + "-", null), hub.requests().stream()
                .filter(r -> r.server().equals("storage")).map(FakeHub.Request::range).toList());
        assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
    }

    @Test
    void corruptWeightsAreRefusedAndNeverReachASnapshot() throws Exception {
        hub = new FakeHub();
        String commit = hub.publish("acme/tiny", source);
        hub.corrupt("model.safetensors");

        HubException e = assertThrows(HubException.class,
                () -> HubCheckpoints.resolve("acme/tiny", settings(), ProgressListener.NONE));

        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("corrupt")
                && e.getMessage().contains("sha256"), e.getMessage());
        Path repo = repoDir("acme/tiny");
        byte[] weights = Files.readAllBytes(source.resolve("model.safetensors"));
        assertFalse(Files.exists(repo.resolve("snapshots").resolve(commit).resolve("model.safetensors"),
                java.nio.file.LinkOption.NOFOLLOW_LINKS), "never linked into the snapshot");
        assertFalse(Files.exists(repo.resolve("blobs").resolve(FakeHub.sha256(weights))));
        assertFalse(Files.exists(repo.resolve("blobs").resolve(FakeHub.sha256(weights) + ".incomplete")),
                "a corrupt part is not kept for resuming");
        assertFalse(Files.exists(repo.resolve("refs/main")), "main never points at an unverified snapshot");
        HubException offline = assertThrows(HubException.class, () -> HubCheckpoints.resolve("acme/tiny",
                settings().withOffline(true), ProgressListener.NONE));
        assertTrue(offline.getMessage().contains("refs/main"), offline.getMessage());
    }

    @Test
    void corruptFileKeptInGitIsRefusedByItsBlobId() throws Exception {
        hub = new FakeHub();
        hub.publish("acme/tiny", source);
        hub.corrupt("config.json");
        HubException e = assertThrows(HubException.class,
                () -> HubCheckpoints.resolve("acme/tiny", settings(), ProgressListener.NONE));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("git blob id"), e.getMessage());
    }

    @Test
    void gatedModelNeedsATokenAndTheTokenGoesOnlyToTheHub() throws Exception {
        hub = new FakeHub();
        hub.publish("acme/gated", source);
        hub.gate("acme/gated", "hf_secret");

        HubException none = assertThrows(HubException.class,
                () -> HubCheckpoints.resolve("acme/gated", settings(), ProgressListener.NONE));
        assertEquals(HubException.Reason.DENIED, none.reason());
        for (String s : List.of("401", "gated", "HF_TOKEN", "djinn.model.hf-token", hub.endpoint() + "/acme/gated",
                "licence", "no token was sent")) {
            assertTrue(none.getMessage().contains(s), s + " in: " + none.getMessage());
        }

        HubException wrong = assertThrows(HubException.class, () -> HubCheckpoints.resolve("acme/gated",
                settings().withToken("hf_wrong", "HF_TOKEN"), ProgressListener.NONE));
        assertTrue(wrong.getMessage().contains("403") && wrong.getMessage().contains("token from HF_TOKEN was not "
                + "accepted") && !wrong.getMessage().contains("hf_wrong"), wrong.getMessage());

        hub.clearRequests();
        HubSettings withToken = settings().withToken("hf_secret", "djinn.model.hf-token");
        assertFalse(withToken.toString().contains("hf_secret"), "settings never print the token");
        Path snapshot = HubCheckpoints.resolve("acme/gated", withToken, ProgressListener.NONE);
        assertArrayEquals(logits(source), logits(snapshot));
        assertTrue(hub.requests().stream().filter(r -> r.server().equals("hub"))
                .allMatch(r -> "Bearer hf_secret".equals(r.authorization())));
        assertTrue(hub.requests().stream().filter(r -> r.server().equals("storage")).count() > 0);
        assertTrue(hub.requests().stream().filter(r -> r.server().equals("storage"))
                .allMatch(r -> r.authorization() == null), "the token never goes to the storage host");
    }

    @Test
    void notFoundNamesTheRepositoryOrTheRevision() throws Exception {
        hub = new FakeHub();
        hub.publish("acme/tiny", source);
        HubException repo = assertThrows(HubException.class,
                () -> HubCheckpoints.resolve("acme/nope", settings(), ProgressListener.NONE));
        assertEquals(HubException.Reason.NOT_FOUND, repo.reason());
        assertTrue(repo.getMessage().contains("repository acme/nope not found") && repo.getMessage().contains("404")
                && repo.getMessage().contains("there is no folder"),
                repo.getMessage());
        HubException rev = assertThrows(HubException.class,
                () -> HubCheckpoints.resolve("acme/tiny@v9", settings(), ProgressListener.NONE));
        assertEquals(HubException.Reason.REVISION_NOT_FOUND, rev.reason());
        assertTrue(rev.getMessage().contains("revision 'v9' not found in acme/tiny"), rev.getMessage());
        HubException viaSetting = assertThrows(HubException.class, () -> HubCheckpoints.resolve("acme/tiny",
                settings().withRevision("v9"), ProgressListener.NONE));
        assertTrue(viaSetting.getMessage().contains("djinn.model.revision"), viaSetting.getMessage());
    }

    @Test
    void shardedCheckpointDownloadsItsShardsInParallelAndLoads() throws Exception {
        hub = new FakeHub();
        String commit = hub.publish("acme/sharded", sharded);
        hub.gatherBodies(2);

        Path snapshot = HubCheckpoints.resolve("acme/sharded", settings(), ProgressListener.NONE);

        assertEquals(repoDir("acme/sharded").resolve("snapshots").resolve(commit), snapshot);
        List<String> shards;
        try (Stream<Path> s = Files.list(sharded)) {
            shards = s.map(p -> p.getFileName().toString()).filter(n -> n.matches("model-\\d+-of-\\d+\\.safetensors"))
                    .sorted().toList();
        }
        assertTrue(shards.size() >= 3, "the fixture is sharded: " + shards);
        for (String shard : shards) {
            assertArrayEquals(Files.readAllBytes(sharded.resolve(shard)), Files.readAllBytes(snapshot.resolve(shard)));
        }
        assertTrue(hub.maxBodiesInFlight() >= 2, "files are fetched in parallel, saw at most "
                + hub.maxBodiesInFlight() + " at once");
        assertArrayEquals(logits(sharded), logits(snapshot));
    }

    @Test
    void offlineModeWithAnEmptyCacheSaysSo() {
        HubSettings offline = HubSettings.of("http://127.0.0.1:9", cacheDir).withOffline(true);
        HubException e = assertThrows(HubException.class,
                () -> HubCheckpoints.resolve("acme/tiny", offline, ProgressListener.NONE));
        for (String s : List.of("offline mode", "HF_HUB_OFFLINE", cacheDir.toString(), "local checkpoint folder")) {
            assertTrue(e.getMessage().contains(s), s + " in: " + e.getMessage());
        }
    }

    @Test
    void noNetworkWithAnEmptyCacheSaysSo() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        HubSettings unreachable = HubSettings.of("http://127.0.0.1:" + closedPort, cacheDir);
        HubException e = assertThrows(HubException.class,
                () -> HubCheckpoints.resolve("acme/tiny", unreachable, ProgressListener.NONE));
        assertEquals(HubException.Reason.UNREACHABLE, e.reason());
        for (String s : List.of("cannot reach the Hugging Face Hub at http://127.0.0.1:" + closedPort,
                "ConnectException", "HF_HUB_OFFLINE=1", "local checkpoint folder", "refs/main")) {
            assertTrue(e.getMessage().contains(s), s + " in: " + e.getMessage());
        }
    }

    /** A cache as huggingface_hub writes it (blobs by ETag, relative links, refs/main) serves without any network. */
    @Test
    void cacheWrittenByHuggingFaceHubIsReusedWithoutNetwork() throws Exception {
        String commit = "0123456789abcdef0123456789abcdef01234567";
        Path repo = repoDir("acme/py-tiny");
        Path snapshot = repo.resolve("snapshots").resolve(commit);
        Files.createDirectories(repo.resolve("blobs"));
        Files.createDirectories(snapshot);
        for (var e : FakeHub.read(source).entrySet()) {
            String etag = FakeHub.isLfs(e.getKey()) ? FakeHub.sha256(e.getValue()) : FakeHub.gitBlobId(e.getValue());
            Files.write(repo.resolve("blobs").resolve(etag), e.getValue());
            Files.createSymbolicLink(snapshot.resolve(e.getKey()), Path.of("../../blobs/" + etag));
        }
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commit);
        HubSettings noHub = HubSettings.of("http://127.0.0.1:9", cacheDir);

        assertEquals(snapshot, HubCheckpoints.resolve("acme/py-tiny", noHub.withOffline(true), ProgressListener.NONE));
        assertEquals(snapshot, HubCheckpoints.resolve("acme/py-tiny", noHub, ProgressListener.NONE));
        assertEquals(snapshot, HubCheckpoints.resolve("acme/py-tiny@" + commit, noHub, ProgressListener.NONE),
                "a commit, once cached, needs no network");
        assertArrayEquals(logits(source), logits(snapshot));
    }

    @Test
    void aNewCommitOnMainReusesTheBlobsThatDidNotChange() throws Exception {
        hub = new FakeHub();
        String first = hub.publish("acme/tiny", source);
        HubCheckpoints.resolve("acme/tiny", settings(), ProgressListener.NONE);
        Map<String, byte[]> files = new HashMap<>(FakeHub.read(source));
        files.put("generation_config.json", "{\"do_sample\": false}".getBytes(StandardCharsets.UTF_8));
        String second = hub.publish("acme/tiny", "main", files);
        hub.clearRequests();

        Path snapshot = HubCheckpoints.resolve("acme/tiny", settings(), ProgressListener.NONE);

        assertEquals(repoDir("acme/tiny").resolve("snapshots").resolve(second), snapshot);
        assertEquals(second, Files.readString(repoDir("acme/tiny").resolve("refs/main")));
        assertTrue(Files.isDirectory(repoDir("acme/tiny").resolve("snapshots").resolve(first)));
        List<String> fetched = hub.requests().stream().map(r -> r.method() + " " + r.path())
                .filter(p -> !p.contains("/api/")).toList();
        assertEquals(List.of("HEAD /acme/tiny/resolve/" + second + "/generation_config.json",
                "GET /acme/tiny/resolve/" + second + "/generation_config.json"), fetched,
                "only the changed file is fetched; the weights' blob is linked again");
    }

    @Test
    void pickledWeightsAreRefusedAsASafetyRule() throws Exception {
        hub = new FakeHub();
        Map<String, byte[]> files = new HashMap<>(FakeHub.read(source));
        files.remove("model.safetensors");
        files.put("pytorch_model.bin", new byte[] {1, 2, 3});
        hub.publish("acme/pickled", "main", files);
        HubException e = assertThrows(HubException.class,
                () -> HubCheckpoints.resolve("acme/pickled", settings(), ProgressListener.NONE));
        for (String s : List.of("pytorch_model.bin", "safetensors only", "can run code", "refs/pr/")) {
            assertTrue(e.getMessage().contains(s), s + " in: " + e.getMessage());
        }
        assertTrue(hub.requests().stream().noneMatch(r -> r.path().contains("/resolve/")), "nothing was fetched");
    }

    @Test
    void aFolderIsUsedAsItIsAndOtherValuesAreRefused() throws Exception {
        HubSettings s = HubSettings.of("http://127.0.0.1:9", cacheDir);
        assertEquals(source, HubCheckpoints.resolve(source.toString(), s, ProgressListener.NONE));
        assertEquals(Optional.empty(), HubCheckpoints.repository(source.toString(), s));
        HubException e = assertThrows(HubException.class,
                () -> HubCheckpoints.resolve("/no/such/folder", s, ProgressListener.NONE));
        assertTrue(e.getMessage().contains("neither a folder nor a Hugging Face repository id"), e.getMessage());
        HubException both = assertThrows(HubException.class,
                () -> HubCheckpoints.repository("acme/tiny@v1", s.withRevision("v2")));
        assertTrue(both.getMessage().contains("set only one"), both.getMessage());

        assertEquals(Optional.of(new RepoRef("acme/tiny", "main")), RepoRef.parse("acme/tiny", "main"));
        assertEquals(Optional.of(new RepoRef("Qwen/Qwen3-0.6B", "refs/pr/1")),
                RepoRef.parse("Qwen/Qwen3-0.6B@refs/pr/1", "main"));
        for (String bad : List.of("/models/x", "./x", "a/b/c", "a--b/c", "a/b..c", "-a/b", "a/", "a/b@", "tiny")) {
            assertEquals(Optional.empty(), RepoRef.parse(bad, "main"), bad);
        }
        assertEquals("models--Qwen--Qwen3-0.6B", new RepoRef("Qwen/Qwen3-0.6B", "main").cacheFolderName());
        assertEquals("refs%2Fpr%2F1", HubClient.encode("refs/pr/1", false));
        assertEquals("sub/a%20b.json", HubClient.encode("sub/a b.json", true));
    }

    @Test
    void settingsFollowHuggingFaceHubsEnvironment() throws IOException {
        Path home = cacheDir.resolve("home");
        Optional<String> none = Optional.empty();
        HubSettings defaults = HubSettings.of(none, none, none, Optional.empty(), none, Map.of(), home);
        assertEquals(home.resolve(".cache/huggingface/hub"), defaults.cacheDir());
        assertEquals("https://huggingface.co", defaults.endpoint());
        assertFalse(defaults.offline());
        assertEquals(Optional.empty(), defaults.token());

        Files.createDirectories(home.resolve("hf"));
        Files.writeString(home.resolve("hf/token"), "hf_fromfile\n");
        Map<String, String> env = new HashMap<>(Map.of("HF_HOME", "~/hf", "HF_ENDPOINT", "https://mirror.example/",
                "HF_HUB_OFFLINE", "yes"));
        HubSettings fromEnv = HubSettings.of(none, none, none, Optional.empty(), none, env, home);
        assertEquals(home.resolve("hf/hub"), fromEnv.cacheDir());
        assertEquals("https://mirror.example", fromEnv.endpoint());
        assertTrue(fromEnv.offline());
        assertEquals(Optional.of("hf_fromfile"), fromEnv.token(), "the token file huggingface-cli login writes");

        env.put("HF_HUB_CACHE", "/srv/hub");
        env.put("HUGGING_FACE_HUB_TOKEN", "hf_old");
        env.put("HF_TOKEN", "hf_new");
        env.put("HF_HUB_OFFLINE", "0");
        HubSettings precedence = HubSettings.of(none, none, none, Optional.empty(), none, env, home);
        assertEquals(Path.of("/srv/hub"), precedence.cacheDir());
        assertEquals(Optional.of("hf_new"), precedence.token());
        assertEquals("HF_TOKEN", precedence.tokenSource());
        assertFalse(precedence.offline());

        HubSettings djinn = HubSettings.of(Optional.of("http://127.0.0.1:1"), Optional.of("/tmp/c"),
                Optional.of("hf_djinn"), Optional.of(true), Optional.of("v2"), env, home);
        assertEquals("http://127.0.0.1:1", djinn.endpoint());
        assertEquals(Path.of("/tmp/c"), djinn.cacheDir());
        assertEquals(Optional.of("hf_djinn"), djinn.token());
        assertEquals("djinn.model.hf-token", djinn.tokenSource());
        assertTrue(djinn.offline());
        assertEquals(Optional.of("v2"), djinn.revision());
        assertEquals(java.time.Duration.ofSeconds(10), djinn.timeout(), "huggingface_hub's default");
        env.put("HF_HUB_DOWNLOAD_TIMEOUT", "2.5");
        assertEquals(java.time.Duration.ofMillis(2500),
                HubSettings.of(none, none, none, Optional.empty(), none, env, home).timeout());
    }

    /** Logits of a fixed prompt, through the real model. */
    private static float[] logits(Path dir) {
        try (LlamaModel m = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32);
                NDManager scope = NDManager.newBaseManager();
                KvCache cache = m.allocateCache(1, 16)) {
            return m.forward(scope, cache, new int[] {0}, new int[][] {{1, 5, 9, 200, 7}}, new int[] {0}, false)
                    .toFloatArray();
        }
    }
}
