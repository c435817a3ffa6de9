package io.djinn.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.djinn.common.DjlEnvironment;
import io.djinn.checkpoint.CheckpointGenerator;
import io.djinn.checkpoint.CheckpointSpec;
import io.djinn.engine.GenerationConfig;
import io.djinn.engine.InferenceEngine;
import io.djinn.engine.Priority;
import io.djinn.engine.SamplingParams;
import io.djinn.serving.ServedModel;
import io.djinn.engine.TextEvent;
import io.djinn.model.Architecture;
import io.djinn.model.LlamaModel;
import io.djinn.tokenizer.Tokenizer;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A generation on a real (tiny) model becomes a request span with queue, prefill and decode children. */
class TracingTest {

    @TempDir
    static Path tmp;

    @Test
    void aGenerationIsARequestSpanWithItsPhases() throws Exception {
        DjlEnvironment.init();
        Path dir = tmp.resolve("tiny");
        CheckpointGenerator.generate(CheckpointSpec.tiny(Architecture.LLAMA), dir);
        LlamaModel lm = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32);
        Tokenizer tokenizer = Tokenizer.load(dir);
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        // The SDK as Quarkus' extension configures it (batching span processor), with an in-memory exporter.
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).build()).build();
        try (ServedModel model = new ServedModel("tiny", lm.config(), tokenizer, tokenizer.chatTemplate(),
                GenerationConfig.read(dir), new InferenceEngine(lm, NDManager.newBaseManager(Device.cpu()), 2, 128, 64))) {
            model.tracer(Tracing.tracer(provider.get("test")));
            int[] prompt = tokenizer.encode("Hello there");
            List<TextEvent> events = model.generate(prompt, SamplingParams.builder().temperature(0).maxTokens(5)
                    .ignoreEos(true).build(), Priority.DEFAULT).collect().asList().await().atMost(Duration.ofSeconds(60));
            assertTrue(events.getLast() instanceof TextEvent.Finished);
            provider.forceFlush().join(10, java.util.concurrent.TimeUnit.SECONDS);

            Map<String, SpanData> spans = exporter.getFinishedSpanItems().stream()
                    .collect(Collectors.toMap(SpanData::getName, Function.identity()));
            assertEquals(java.util.Set.of("chat tiny", "queue", "prefill", "decode"), spans.keySet());
            SpanData request = spans.get("chat tiny");
            assertEquals("tiny", request.getAttributes().get(Tracing.MODEL));
            assertEquals(prompt.length, request.getAttributes().get(Tracing.INPUT_TOKENS));
            assertEquals(5L, request.getAttributes().get(Tracing.OUTPUT_TOKENS));
            assertEquals(List.of("length"), request.getAttributes().get(Tracing.FINISH_REASONS));
            long previousEnd = request.getStartEpochNanos();
            for (String phase : List.of("queue", "prefill", "decode")) {
                SpanData s = spans.get(phase);
                assertEquals(request.getSpanContext().getTraceId(), s.getTraceId(), phase);
                assertEquals(request.getSpanContext().getSpanId(), s.getParentSpanId(), phase);
                assertTrue(s.getStartEpochNanos() >= previousEnd, phase + " starts after the previous phase");
                assertTrue(s.getEndEpochNanos() <= request.getEndEpochNanos(), phase + " ends within the request");
                previousEnd = s.getEndEpochNanos();
            }
        } finally {
            provider.close();
        }
    }
}
