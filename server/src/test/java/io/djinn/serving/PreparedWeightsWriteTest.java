package io.djinn.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.djinn.checkpoint.CheckpointGenerator;
import io.djinn.checkpoint.CheckpointSpec;
import io.djinn.common.DjlEnvironment;
import io.djinn.engine.EngineListener;
import io.djinn.engine.EngineSettings;
import io.djinn.engine.GenerationConfig;
import io.djinn.engine.InferenceEngine;
import io.djinn.engine.Priority;
import io.djinn.engine.SamplingParams;
import io.djinn.engine.TextEvent;
import io.djinn.model.Architecture;
import io.djinn.model.LlamaModel;
import io.djinn.model.PreparedWeights;
import io.djinn.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prepared weights of a freshly folded model are written while the engine is idle, not beside a request. */
class PreparedWeightsWriteTest {
    @TempDir
    Path tmp;

    @Test
    void theWriteWaitsForTheEngineToBeIdle() throws Exception {
        DjlEnvironment.init();
        Path dir = tmp.resolve("tiny");
        CheckpointGenerator.generate(CheckpointSpec.tiny(Architecture.LLAMA), dir);
        PreparedWeights prepared = PreparedWeights.of(tmp.resolve("prepared"), dir, DataType.FLOAT32);
        LlamaModel lm = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32, prepared);
        assertFalse(lm.fromPreparedWeights());
        Tokenizer tokenizer = Tokenizer.load(dir);
        InferenceEngine engine = new InferenceEngine(lm, NDManager.newBaseManager(Device.cpu()),
                EngineSettings.of(1, 1024, 64), EngineListener.NONE);
        try (ServedModel model = new ServedModel("tiny", lm.config(), tokenizer, tokenizer.chatTemplate(),
                GenerationConfig.read(dir), engine)) {
            CompletableFuture<List<TextEvent>> generation = model.generate(new int[] {1, 2, 3},
                    SamplingParams.builder().temperature(0).maxTokens(1000).ignoreEos(true).build(), Priority.DEFAULT)
                    .collect().asList().subscribeAsCompletionStage();
            while (engine.running() == 0 && !generation.isDone()) {
                Thread.sleep(5);
            }
            Thread writer = Thread.ofPlatform().start(() -> PreparedWeightsWriter.writeWhenIdle(lm, engine));
            Thread.sleep(PreparedWeightsWriter.IDLE_BEFORE_WRITE.toMillis() + 300);
            assertTrue(engine.running() > 0, "the generation should still run; make it longer");
            assertFalse(prepared.exists(), "written beside a running request");
            List<TextEvent> events = generation.get(120, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(1000, ((TextEvent.Finished) events.getLast()).completionTokens());
            writer.join(Duration.ofSeconds(60));
            assertFalse(writer.isAlive());
            assertTrue(prepared.exists(), "written once idle");
        } finally {
            lm.close();
        }
        try (LlamaModel again = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32, prepared)) {
            assertTrue(again.fromPreparedWeights());
        }
    }
}
