package io.djinn.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where and how checkpoints come from the Hub: endpoint, cache folder, token, offline switch and the revision to
 * use when the repository id names none. {@link #of} fills what Djinn's settings leave open from the environment
 * exactly as huggingface_hub reads it, so a cache and a token set up for Python tools are found.
 *
 * @param tokenSource where the token came from (a setting's or variable's name, or the token file), for messages
 * @param timeout     how long the Hub may stay silent (no answer, no byte of a body) before a request is given up;
 *                    a download given up this way is resumed
 */
public record HubSettings(String endpoint, Path cacheDir, Optional<String> token, String tokenSource, boolean offline,
        Optional<String> revision, Duration timeout) {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    /** huggingface_hub's default for HF_HUB_DOWNLOAD_TIMEOUT. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final Set<String> TRUE = Set.of("1", "ON", "YES", "TRUE");

    public HubSettings {
        endpoint = stripSlashes(endpoint);
        token = token.map(String::strip).filter(t -> !t.isEmpty());
        revision = revision.map(String::strip).filter(r -> !r.isEmpty());
    }

    /** Settings for tests and tools: no token, online, the default revision. */
    public static HubSettings of(String endpoint, Path cacheDir) {
        return new HubSettings(endpoint, cacheDir, Optional.empty(), "none", false, Optional.empty(), DEFAULT_TIMEOUT);
    }

    public HubSettings withToken(String token, String source) {
        return new HubSettings(endpoint, cacheDir, Optional.ofNullable(token), source, offline, revision, timeout);
    }

    public HubSettings withOffline(boolean offline) {
        return new HubSettings(endpoint, cacheDir, token, tokenSource, offline, revision, timeout);
    }

    public HubSettings withRevision(String revision) {
        return new HubSettings(endpoint, cacheDir, token, tokenSource, offline, Optional.ofNullable(revision),
                timeout);
    }

    public HubSettings withTimeout(Duration timeout) {
        return new HubSettings(endpoint, cacheDir, token, tokenSource, offline, revision, timeout);
    }

    /**
     * Djinn's own settings first, then huggingface_hub's environment variables and defaults: endpoint
     * {@code HF_ENDPOINT} (default {@value #DEFAULT_ENDPOINT}); cache {@code HF_HUB_CACHE},
     * {@code HUGGINGFACE_HUB_CACHE}, {@code HF_HOME/hub}, {@code XDG_CACHE_HOME/huggingface/hub},
     * {@code ~/.cache/huggingface/hub}; token {@code HF_TOKEN}, {@code HUGGING_FACE_HUB_TOKEN}, then the file
     * {@code huggingface-cli login} writes
     * ({@code HF_TOKEN_PATH}, default {@code HF_HOME/token}); offline {@code HF_HUB_OFFLINE} or
     * {@code TRANSFORMERS_OFFLINE} set to 1, ON, YES or TRUE; timeout {@code HF_HUB_DOWNLOAD_TIMEOUT} seconds
     * (default 10).
     */
    public static HubSettings of(Optional<String> endpoint, Optional<String> cacheDir, Optional<String> token,
            Optional<Boolean> offline, Optional<String> revision, Map<String, String> env, Path home) {
        Path hfHome = env(env, "HF_HOME").map(p -> expand(p, home))
                .orElseGet(() -> env(env, "XDG_CACHE_HOME").map(p -> expand(p, home))
                        .orElse(home.resolve(".cache")).resolve("huggingface"));
        Path cache = cacheDir.map(p -> expand(p, home))
                .or(() -> env(env, "HF_HUB_CACHE").or(() -> env(env, "HUGGINGFACE_HUB_CACHE"))
                        .map(p -> expand(p, home)))
                .orElse(hfHome.resolve("hub"));
        String source = "djinn.model.hf-token";
        Optional<String> t = token.filter(s -> !s.isBlank());
        for (String name : new String[] {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
            if (t.isEmpty()) {
                t = env(env, name);
                source = name;
            }
        }
        if (t.isEmpty()) {
            Path file = env(env, "HF_TOKEN_PATH").map(p -> expand(p, home)).orElse(hfHome.resolve("token"));
            t = readToken(file);
            source = file.toString();
        }
        boolean off = offline.orElseGet(() -> env(env, "HF_HUB_OFFLINE").or(() -> env(env, "TRANSFORMERS_OFFLINE"))
                .map(v -> TRUE.contains(v.strip().toUpperCase(Locale.ROOT))).orElse(false));
        String ep = endpoint.filter(s -> !s.isBlank()).or(() -> env(env, "HF_ENDPOINT")).orElse(DEFAULT_ENDPOINT);
        Duration timeout = env(env, "HF_HUB_DOWNLOAD_TIMEOUT").map(HubSettings::seconds).orElse(DEFAULT_TIMEOUT);
        return new HubSettings(ep, cache, t, t.isPresent() ? source : "none", off, revision, timeout);
    }

    private static Optional<String> env(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::strip).filter(s -> !s.isEmpty());
    }

    private static Duration seconds(String v) {
        try {
            double s = Double.parseDouble(v);
            if (s > 0) {
                return Duration.ofMillis((long) (s * 1000));
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("HF_HUB_DOWNLOAD_TIMEOUT must be a positive number of seconds, not '" + v
                + "'");
    }

    private static Path expand(String p, Path home) {
        return p.equals("~") ? home : p.startsWith("~/") ? home.resolve(p.substring(2)) : Path.of(p);
    }

    private static Optional<String> readToken(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(file).strip()).filter(s -> !s.isEmpty());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Hugging Face token file " + file, e);
        }
    }

    private static String stripSlashes(String s) {
        String r = s.strip();
        while (r.endsWith("/")) {
            r = r.substring(0, r.length() - 1);
        }
        return r;
    }

    /** Never prints the token itself. */
    @Override
    public String toString() {
        return "HubSettings[endpoint=" + endpoint + ", cacheDir=" + cacheDir + ", token="
                + (token.isPresent() ? "<from " + tokenSource + ">" : "none") + ", offline=" + offline
                + ", revision=" + revision.orElse("(default)") + ", timeout=" + timeout + "]";
    }
}
