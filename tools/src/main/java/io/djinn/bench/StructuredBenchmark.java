package io.djinn.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.djinn.common.DjlEnvironment;
import io.djinn.engine.GenerationConfig;
import io.djinn.engine.InferenceEngine;
import io.djinn.engine.Priority;
import io.djinn.engine.SamplingParams;
import io.djinn.serving.ServedModel;
import io.djinn.engine.TextEvent;
import io.djinn.engine.TokenConstraint;
import io.djinn.model.LlamaModel;
import io.djinn.structured.Grammar;
import io.djinn.structured.GrammarConstraint;
import io.djinn.structured.Grammars;
import io.djinn.structured.TokenVocabulary;
import io.djinn.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bench-structured}: what constrained decoding costs. On a checkpoint with a large vocabulary (150,000 tokens
 * by default, generated), it decodes the same prompts free and under a JSON schema, one stream at a time, in one run,
 * and reports the decode throughput of both, and the time of the mask step (the allowed-token set the grammar
 * computes per token, p50/p90/p99) beside the time of a whole decode step.
 */
public final class StructuredBenchmark {

    static final String SCHEMA = """
            {"type":"object","properties":{
              "name":{"type":"string"},"age":{"type":"integer"},"email":{"type":["string","null"]},
              "tags":{"type":"array","items":{"type":"string"}},
              "address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"},
                "zip":{"type":"string"}},"required":["street","city","zip"],"additionalProperties":false},
              "status":{"enum":["active","inactive","pending"]},"score":{"type":"number"}},
             "required":["name","age","email","tags","address","status","score"],"additionalProperties":false}""";

    public static final String USAGE = """
              bench-structured [--model DIR | --preset smollm-135m --vocab 150000] [--requests 4] [--tokens 96]
                                 [--json FILE]
                  decode throughput free vs under a JSON schema, and mask-step time, in one run
            """;

    private StructuredBenchmark() {}

    /** Times every {@code allowed} call of the grammar it wraps. */
    private static final class Timed implements TokenConstraint {
        final GrammarConstraint inner;
        final List<Long> nanos;

        Timed(GrammarConstraint inner, List<Long> nanos) {
            this.inner = inner;
            this.nanos = nanos;
        }

        @Override
        public long[] allowed(int remainingTokens) {
            long t0 = System.nanoTime();
            long[] a = inner.allowed(remainingTokens);
            long dt = System.nanoTime() - t0;
            synchronized (nanos) {
                nanos.add(dt);
            }
            return a;
        }

        @Override
        public void accept(int tokenId) {
            inner.accept(tokenId);
        }

        @Override
        public boolean isComplete() {
            return inner.isComplete();
        }
    }

    public static void run(Map<String, String> o) throws Exception {
        DjlEnvironment.init();
        try (BenchCheckpoint checkpoint = BenchCheckpoint.of(o, "model",
                Map.of("preset", "smollm-135m", "vocab", "150000"))) {
            measure(checkpoint.dir(), o);
        }
    }

    private static void measure(Path dir, Map<String, String> o) throws Exception {
        int requests = Integer.parseInt(o.getOrDefault("requests", "4"));
        int tokens = Integer.parseInt(o.getOrDefault("tokens", "96"));
        LlamaModel lm = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32);
        Tokenizer tokenizer = Tokenizer.load(dir);
        GenerationConfig gen = GenerationConfig.read(dir);
        InferenceEngine engine = new InferenceEngine(lm, NDManager.newBaseManager(Device.cpu()), 1, 1024, 512);
        Map<String, Object> r = new LinkedHashMap<>();
        try (ServedModel model = new ServedModel("bench", lm.config(), tokenizer, tokenizer.chatTemplate(), gen,
                engine)) {
            int vocab = lm.config().vocabSize();
            long t0 = System.nanoTime();
            TokenVocabulary tv = TokenVocabulary.of(tokenizer, gen.eosTokenIds(), vocab);
            double vocabSeconds = (System.nanoTime() - t0) / 1e9;
            JsonNode schema = new ObjectMapper().readTree(SCHEMA);
            t0 = System.nanoTime();
            Grammar grammar = Grammars.jsonSchema(schema);
            double compileSeconds = (System.nanoTime() - t0) / 1e9;
            checkTokens(new GrammarConstraint(grammar, tv).minTokens(), tokens);
            int[] prompt = tokenizer.encode("Give me a customer record as JSON.");
            SamplingParams free = SamplingParams.builder().temperature(0.8).topK(50).maxTokens(tokens)
                    .ignoreEos(true).eosTokenIds(gen.eosTokenIds()).build();
            // warm-up: JIT, kernels, and the grammar's first masks
            decode(model, prompt, free.toBuilder().maxTokens(8).seed(0L).build());
            List<Long> warm = new ArrayList<>();
            decode(model, prompt, free.toBuilder().seed(0L).constraint(() -> new Timed(
                    new GrammarConstraint(grammar, tv), warm)).build());

            List<Long> maskNanos = new ArrayList<>();
            double[] freeRate = new double[requests];
            double[] constrainedRate = new double[requests];
            int constrainedTokens = 0;
            int valid = 0;
            for (int i = 0; i < requests; i++) {
                // interleaved, so drift on a shared machine hits both sides alike
                freeRate[i] = decode(model, prompt, free.toBuilder().seed((long) i).build()).rate;
                Run c = decode(model, prompt, free.toBuilder().seed((long) i).constraint(() -> new Timed(
                        new GrammarConstraint(grammar, tv), maskNanos)).build());
                constrainedRate[i] = c.rate;
                constrainedTokens += c.tokens;
                try {
                    new ObjectMapper().readTree(c.text);
                    valid++;
                } catch (Exception e) {
                    System.out.println("  invalid JSON (finish " + c.finish + "): " + c.text);
                }
            }
            long[] sorted = maskNanos.stream().mapToLong(Long::longValue).sorted().toArray();
            double freeTps = mean(freeRate);
            double constrainedTps = mean(constrainedRate);
            r.put("model", dir.toString());
            r.put("vocab_size", vocab);
            r.put("vocabulary_build_s", round(vocabSeconds));
            r.put("schema_compile_ms", round(compileSeconds * 1000));
            r.put("requests", requests);
            r.put("max_tokens", tokens);
            r.put("free_decode_tokens_per_s", round(freeTps));
            r.put("constrained_decode_tokens_per_s", round(constrainedTps));
            r.put("constraint_cost_fraction", round(1 - constrainedTps / freeTps));
            r.put("constrained_tokens", constrainedTokens);
            r.put("valid_documents", valid);
            r.put("mask_steps", sorted.length);
            r.put("mask_ms_p50", round(pct(sorted, 0.50) / 1e6));
            r.put("mask_ms_p90", round(pct(sorted, 0.90) / 1e6));
            r.put("mask_ms_p99", round(pct(sorted, 0.99) / 1e6));
            r.put("mask_ms_max", round(sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6));
            r.put("decode_step_ms", round(1000 / freeTps));
        }
        System.out.printf("""
                Djinn structured-output benchmark (one stream, %s-token vocabulary)
                  token vocabulary for masks built in %.2f s; schema compiled in %.2f ms
                  free decode:        %8.2f tokens/s (%d requests of %d tokens, temperature 0.8, top_k 50)
                  under JSON schema:  %8.2f tokens/s (%d tokens; %d of %d documents valid JSON)
                  constraint cost:    %8.1f %% of decode throughput
                  mask step:          p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms over %d steps
                  decode step:        %8.2f ms
                """, r.get("vocab_size"), r.get("vocabulary_build_s"), r.get("schema_compile_ms"),
                r.get("free_decode_tokens_per_s"), requests, tokens, r.get("constrained_decode_tokens_per_s"),
                r.get("constrained_tokens"), r.get("valid_documents"), requests,
                100 * (double) r.get("constraint_cost_fraction"), r.get("mask_ms_p50"), r.get("mask_ms_p90"),
                r.get("mask_ms_p99"), r.get("mask_ms_max"), r.get("mask_steps"), r.get("decode_step_ms"));
        if (o.containsKey("json")) {
            Files.writeString(Path.of(o.get("json")),
                    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(r));
        }
    }

    /**
     * Refuses a budget in which no document of the schema fits, as the API refuses such a max_tokens: the grammar
     * would force a truncated document and every "valid JSON" count would be 0 for a reason that is not the cost.
     */
    static void checkTokens(int shortest, int tokens) {
        if (shortest + 1 > tokens) {
            throw new IllegalArgumentException("--tokens " + tokens + " is too small: the schema's shortest document "
                    + "takes " + shortest + " tokens plus one to end it, so use --tokens " + (shortest + 1)
                    + " or more.");
        }
    }

    private record Run(double rate, int tokens, String text, String finish) {}

    private static Run decode(ServedModel model, int[] prompt, SamplingParams params) {
        long t0 = System.nanoTime();
        List<TextEvent> events = model.generate(prompt, params, Priority.DEFAULT).collect().asList().await()
                .atMost(Duration.ofMinutes(10));
        StringBuilder text = new StringBuilder();
        long first = 0;
        int n = 0;
        String finish = "";
        for (TextEvent e : events) {
            if (e instanceof TextEvent.Delta d) {
                text.append(d.text());
                n += d.tokenIds().length;
            } else if (e instanceof TextEvent.Finished f) {
                finish = f.reason().apiName();
                n = f.completionTokens();
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Run(n / seconds, n, text.toString(), finish);
    }

    private static double mean(double[] xs) {
        return Arrays.stream(xs).average().orElse(0);
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static double round(double x) {
        return Math.round(x * 1000) / 1000.0;
    }
}
