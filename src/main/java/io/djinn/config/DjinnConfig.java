package io.djinn.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** Every {@code djinn.*} setting; README lists each with its default. */
@ConfigMapping(prefix = "djinn")
public interface DjinnConfig {

    Model model();

    Engine engine();

    Auth auth();

    Admin admin();

    RateLimit ratelimit();

    Redis redis();

    interface Model {
        /** Hugging Face checkpoint folder. When absent a small checkpoint is generated into {@link #cacheDir()}. */
        Optional<String> path();

        /** The model id clients send and {@code /v1/models} lists; defaults to the checkpoint folder's name. */
        Optional<String> name();

        /** {@code cpu} or {@code cuda:N}. */
        @WithDefault("cpu")
        String device();

        /** {@code auto} (float32 on CPU, float16 on CUDA), {@code float32} or {@code float16}. */
        @WithDefault("auto")
        String dtype();

        /** Where the default checkpoint is generated on first start. */
        @WithDefault("${user.home}/.cache/djinn")
        String cacheDir();
    }

    interface Engine {
        /** Sequences decoded together; also the number of KV-cache slots allocated at start. */
        @WithDefault("8")
        int maxNumSeqs();

        /** Context length per sequence (prompt + output); defaults to the model's max_position_embeddings, capped at 4096. */
        OptionalInt maxModelLen();

        /** Prompt tokens prefilled per engine step, so a long prompt does not stall running decodes. */
        @WithDefault("512")
        int prefillChunk();
    }

    interface Auth {
        /** Keys accepted from configuration (plain text); empty together with no managed keys = an open server. */
        Optional<List<String>> apiKeys();
    }

    interface Admin {
        /** Bearer token of {@code /admin/v1/*}; when unset the admin endpoints refuse every request. */
        Optional<String> token();
    }

    interface RateLimit {
        /** Limits of configuration keys and of the open server; 0 = unlimited. */
        @WithDefault("0")
        int defaultRequestsPerMinute();

        @WithDefault("0")
        int defaultTokensPerMinute();

        @WithDefault("0")
        int defaultMaxConcurrentRequests();

        /** How long an in-flight slot is held if its replica dies before releasing it. */
        @WithDefault("10m")
        Duration leaseTimeout();
    }

    interface Redis {
        /** Upper bound of every Redis call made for auth, limits and usage. */
        @WithDefault("250ms")
        Duration timeout();

        /** {@code open}: serve without limits while Redis is unreachable; {@code closed}: answer 503. */
        @WithDefault("open")
        String failurePolicy();
    }
}
