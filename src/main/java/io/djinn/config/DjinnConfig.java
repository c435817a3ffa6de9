package io.djinn.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/** Every {@code djinn.*} setting; README lists each with its default. */
@ConfigMapping(prefix = "djinn")
public interface DjinnConfig {

    Model model();

    Engine engine();

    Shutdown shutdown();

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

    interface Shutdown {
        /**
         * How long running generations may go on after SIGTERM before their streams are ended with an error. Keep it
         * below the platform's kill deadline (Kubernetes' terminationGracePeriodSeconds).
         */
        @WithDefault("30s")
        Duration gracePeriod();

        /** The Retry-After (seconds) sent with the 503 that new requests get while the server drains. */
        @WithDefault("5")
        int retryAfterSeconds();
    }
}
