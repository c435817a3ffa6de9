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

    Api api();

    Auth auth();

    Admin admin();

    RateLimit ratelimit();

    Redis redis();

    Shutdown shutdown();

    Tracing tracing();

    Cpu cpu();

    /** How libtorch's CPU kernels use the cores (see {@link io.djinn.model.CpuThreads}). */
    interface Cpu {
        /** Intra-op threads of libtorch's CPU kernels; 0 = the processors the JVM may use (a container's limit). */
        @WithDefault("0")
        int threads();

        /**
         * How libtorch's OpenMP threads wait between parallel regions: {@code bounded} (spin up to
         * {@code spin-count} times, then sleep), {@code passive} (sleep at once) or {@code active} (libgomp's
         * default, spin about 3 ms). {@code OMP_WAIT_POLICY} or {@code GOMP_SPINCOUNT} in the environment win.
         */
        @WithDefault("bounded")
        String waitPolicy();

        /** Spins per wait under the {@code bounded} policy (libgomp's {@code GOMP_SPINCOUNT}; 20000 is ~0.2 ms). */
        @WithDefault("20000")
        long spinCount();
    }

    Responses responses();

    /** Stored responses of {@code /v1/responses} ({@code store}, {@code previous_response_id}). */
    interface Responses {
        /** How long a stored response (and its input) is kept; in Redis as the key's expiry. */
        @WithDefault("720h")
        Duration ttl();

        /** Without Redis: stored responses kept in memory at most; the oldest is dropped first. */
        @WithDefault("1000")
        int maxStored();
    }

    /** OpenTelemetry request traces, exported over OTLP; off unless an endpoint is set. */
    interface Tracing {
        /** OTLP/HTTP endpoint of a collector, e.g. {@code http://otel-collector:4318}; unset = no tracing. */
        Optional<String> otlpEndpoint();

        /** The {@code service.name} resource attribute of the spans. */
        @WithDefault("djinn")
        String serviceName();
    }

    interface Model {
        /**
         * Hugging Face checkpoint folder, or a Hub repository id ({@code org/name}, {@code org/name@revision})
         * downloaded into the hub cache. When absent a small checkpoint is generated into {@link #cacheDir()}.
         */
        Optional<String> path();

        /**
         * The model id clients send and {@code /v1/models} lists; defaults to the repository id, or to the checkpoint
         * folder's name.
         */
        Optional<String> name();

        /** Branch, tag or commit of a repository id in {@link #path()} that names none; default {@code main}. */
        Optional<String> revision();

        /** Token for gated and private repositories; default {@code HF_TOKEN}, then huggingface_hub's token file. */
        Optional<String> hfToken();

        /** The hub cache; default {@code HF_HUB_CACHE}, then {@code HF_HOME/hub}, then ~/.cache/huggingface/hub. */
        Optional<String> hubCache();

        /** The Hub's URL; default {@code HF_ENDPOINT}, then https://huggingface.co. */
        Optional<String> hubEndpoint();

        /** Only the cache, never the network; default {@code HF_HUB_OFFLINE}. */
        Optional<Boolean> hubOffline();

        /** {@code cpu} or {@code cuda:N}. */
        @WithDefault("cpu")
        String device();

        /**
         * When the model fails to load, exit with status 1 (the cause on one log line), so a supervisor or Kubernetes
         * restarts the process with back-off; {@code false} keeps the process up answering 503 {@code model_load_failed}.
         */
        @WithDefault("true")
        boolean exitOnLoadFailure();

        /**
         * {@code auto} (float32 on CPU; on CUDA bfloat16 for bfloat16 checkpoints, else float16, as vLLM's auto),
         * {@code float32}, {@code float16} or {@code bfloat16}.
         */
        @WithDefault("auto")
        String dtype();

        /**
         * Further names clients may send as {@code model} for this model (for example {@code org/name} and
         * {@code org/name:version}); responses report the model's id.
         */
        Optional<java.util.List<String>> aliases();

        /** Where the default checkpoint is generated on first start, and prepared weights are kept. */
        @WithDefault("${user.home}/.cache/djinn")
        String cacheDir();

        /**
         * On a CPU at float32 or float16: after the first start, keep the folded weights (fused, norm-folded, padded:
         * what the model computes with) in {@code cache-dir/prepared}, and on later starts read them instead of
         * folding the checkpoint. On a GPU the weights are folded on the device and nothing is kept.
         */
        @WithDefault("true")
        boolean preparedWeights();

        /**
         * Hard cap on output tokens per choice, as hosted providers document one per model; {@code max_tokens}
         * defaults to the smaller of this and what the context window leaves.
         */
        @WithDefault("16384")
        int maxOutputTokens();

        /**
         * How the model writes tool calls: {@code auto} (detected from the chat template), {@code hermes},
         * {@code llama3_json}, {@code mistral}, or {@code none} (tools are shown to the template, never parsed).
         */
        @WithDefault("auto")
        String toolCallFormat();

        /**
         * Whether output inside {@code <think>...</think>} is reasoning: {@code auto} (when the tokenizer has both
         * markers as single tokens and the template uses them) or {@code none}.
         */
        @WithDefault("auto")
        String reasoningParser();
    }


    interface Engine {
        /**
         * Sequences decoded together; also the number of KV-cache slots allocated at start (fewer when the memory
         * budget cannot hold them). Default 8 on a CPU, 256 on CUDA.
         */
        OptionalInt maxNumSeqs();

        /**
         * On CUDA without {@link #kvCacheMib()}: the fraction of the device's memory Djinn may use in all (weights,
         * working memory, KV cache), as vLLM's setting; the KV cache gets what the device has free after the
         * weights, less the rest.
         */
        @WithDefault("0.9")
        double gpuMemoryUtilization();

        /** Context length per sequence (prompt + output); defaults to the model's max_position_embeddings, capped at 4096. */
        OptionalInt maxModelLen();

        /** Prompt tokens prefilled per engine step, so a long prompt does not stall running decodes. */
        @WithDefault("512")
        int prefillChunk();

        /** Tokens one engine step feeds in all: one per decoding sequence, the rest for prompt chunks. */
        @WithDefault("512")
        int maxNumBatchedTokens();

        /**
         * Prompt chunks totalling at most this many tokens get an engine step of their own, ahead of the running
         * decodes (never two such steps in a row); 0 always mixes prompts into decode steps. Default 128 on a CPU,
         * 0 on CUDA (where a short prefill costs about what a decode step costs).
         */
        OptionalInt prefillFirstTokens();

        /**
         * KV-cache memory budget in MiB. The cache is allocated up front; when set, the number of slots is the
         * smaller of max-num-seqs and what fits this budget at max-model-len. On CUDA it defaults to what
         * {@link #gpuMemoryUtilization()} leaves.
         */
        OptionalInt kvCacheMib();

        /** Requests that may wait for a slot; more are refused with 503 at once. */
        @WithDefault("64")
        int maxWaiting();

        /** How long a request may wait for a slot before it is refused with 503. */
        @WithDefault("30s")
        Duration queueTimeout();
    }

    interface Api {
        /** How long a streamed response may stay silent (queued, long prefill) before a comment keep-alive. */
        @WithDefault("5s")
        Duration keepAliveInterval();

        /** Messages per chat request at most (OpenAI's own limit is 2048). */
        @WithDefault("2048")
        int maxMessages();

        /**
         * Characters of all text a request carries at most: message content, tool names, descriptions and schemas,
         * stop strings, bad_words, documents, chat_template_kwargs, a /tokenize prompt, every string and field name
         * of the body (a request's own chat_template has its own limit).
         */
        @WithDefault("2000000")
        int maxContentChars();

        /** Characters of a request's own {@code chat_template} at most (real templates are a few thousand). */
        @WithDefault("131072")
        int maxChatTemplateChars();

        /**
         * Characters of a rendered prompt at most, checked before it is tokenized (and the bound on a template's
         * output and on any string it builds).
         */
        @WithDefault("4000000")
        int maxPromptChars();

        /**
         * Whether a request may send its own {@code chat_template} (vLLM's --trust-request-chat-template). Off: such
         * a request is refused with 400 naming {@code chat_template}.
         */
        @WithDefault("false")
        boolean allowRequestChatTemplate();

        /** Wall time one chat-template rendering may take; past it the rendering is abandoned with a 400. */
        @WithDefault("5s")
        Duration chatTemplateTimeout();

        /** Steps (nodes rendered, loop iterations, expressions) one chat-template rendering may take. */
        @WithDefault("5000000")
        long chatTemplateMaxSteps();
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
