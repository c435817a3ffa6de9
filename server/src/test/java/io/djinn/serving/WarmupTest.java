package io.djinn.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.djinn.common.DjlEnvironment;
import io.djinn.checkpoint.CheckpointGenerator;
import io.djinn.checkpoint.CheckpointSpec;
import io.djinn.engine.EngineSettings;
import io.djinn.engine.GenerationConfig;
import io.djinn.engine.InferenceEngine;
import io.djinn.engine.Priority;
import io.djinn.engine.SamplingParams;
import io.djinn.engine.TextEvent;
import io.djinn.model.Architecture;
import io.djinn.model.LlamaModel;
import io.djinn.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm-up generation before readiness runs the real model through the engine, yet leaves no trace a client
 * could see: no metrics, no reusable prefix-cache block.
 */
class WarmupTest {

    @TempDir
    static Path tmp;

    @Test
    void warmUpRunsTheModelButStaysInvisible() throws Exception {
        DjlEnvironment.init();
        Path dir = tmp.resolve("tiny");
        CheckpointGenerator.generate(CheckpointSpec.tiny(Architecture.LLAMA), dir);
        LlamaModel lm = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32);
        Tokenizer tokenizer = Tokenizer.load(dir);
        EngineMetrics metrics = new EngineMetrics();
        Warmup.Listener listener = new Warmup.Listener(metrics);
        InferenceEngine engine = new InferenceEngine(lm, NDManager.newBaseManager(Device.cpu()),
                EngineSettings.of(2, 128, 64), listener);
        try (ServedModel model = new ServedModel("tiny", lm.config(), tokenizer, tokenizer.chatTemplate(),
                GenerationConfig.read(dir), engine)) {
            int[] warmPrompt = Warmup.prompt(model);
            assertTrue(warmPrompt.length > 0 && warmPrompt.length <= Warmup.MAX_PROMPT_TOKENS,
                    Arrays.toString(warmPrompt));

            Warmup.run(model, listener);

            // a prefill and a decode step per further token ran on the model
            assertTrue(engine.steps() >= Warmup.GENERATED_TOKENS, "steps: " + engine.steps());
            String scrape = metrics.scrape();
            assertEquals(0.0, value(scrape, "djinn_generation_tokens_total"), scrape);
            assertEquals(0.0, value(scrape, "djinn_prompt_tokens_total"), scrape);
            assertEquals(0.0, value(scrape, "djinn_e2e_request_latency_seconds_count"), scrape);

            // a request starting with the warm-up's tokens finds nothing cached, and is counted
            int[] prompt = new int[40];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = warmPrompt[i % warmPrompt.length];
            }
            List<TextEvent> events = model.generate(prompt, SamplingParams.builder().temperature(0).maxTokens(4)
                    .ignoreEos(true).build(), Priority.DEFAULT).collect().asList().await().atMost(Duration.ofSeconds(60));
            TextEvent.Finished finished = (TextEvent.Finished) events.getLast();
            assertEquals(0, finished.cachedTokens());
            assertEquals(4, finished.completionTokens());
            scrape = metrics.scrape();
            assertEquals(4.0, value(scrape, "djinn_generation_tokens_total"), scrape);
            assertEquals(40.0, value(scrape, "djinn_prompt_tokens_total"), scrape);
        }
    }

    private static double value(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ") || line.startsWith(series + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no " + series + " in\n" + text);
    }
}
