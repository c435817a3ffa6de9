package io.djinn.serving;

import io.djinn.config.DjinnConfig;
import io.djinn.engine.FinishReason;
import io.djinn.engine.GenerationTracer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Request traces over OpenTelemetry: one span per generation ({@code chat MODEL}) with children {@code queue}
 * (waiting for a KV-cache slot), {@code prefill} (to the first token) and {@code decode} (to the end), and the GenAI
 * semantic-convention attributes model, token counts and finish reason. The spans go through Quarkus' OpenTelemetry
 * extension (its SDK, batching and OTLP exporter, and its HTTP-server spans as parents where a request has one); the
 * SDK stays disabled, at no cost, unless {@code djinn.tracing.otlp-endpoint} names a collector
 * ({@link io.djinn.config.TracingSwitch}).
 */
@ApplicationScoped
public class Tracing {

    private static final Logger LOG = Logger.getLogger(Tracing.class);
    static final AttributeKey<String> MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<Long> CACHED_TOKENS = AttributeKey.longKey("djinn.usage.cached_input_tokens");
    static final AttributeKey<List<String>> FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");

    private final GenerationTracer tracer;

    public Tracing(DjinnConfig config, Instance<Tracer> otel) {
        var endpoint = config.tracing().otlpEndpoint().filter(e -> !e.isBlank());
        if (endpoint.isEmpty() || !otel.isResolvable()) {
            tracer = GenerationTracer.NONE;
            return;
        }
        tracer = tracer(otel.get());
        LOG.infof("Tracing: spans to %s (OTLP/HTTP) as service %s", endpoint.get(), config.tracing().serviceName());
    }

    /** The tracer each served model reports to. */
    public GenerationTracer tracer() {
        return tracer;
    }

    /** Sequences as spans of {@code otel}. */
    static GenerationTracer tracer(Tracer otel) {
        return (model, promptTokens) -> new SpanTrace(otel, model, promptTokens);
    }

    /** One sequence: the request span and its phase span open at the moment. */
    private static final class SpanTrace implements GenerationTracer.Trace {
        private final Tracer otel;
        private final Span request;
        private final Context parent;
        private Span phase;

        SpanTrace(Tracer otel, String model, int promptTokens) {
            this.otel = otel;
            this.request = otel.spanBuilder("chat " + model).setSpanKind(SpanKind.INTERNAL)
                    .setAttribute(OPERATION, "chat").setAttribute(MODEL, model)
                    .setAttribute(INPUT_TOKENS, (long) promptTokens).startSpan();
            this.parent = Context.root().with(request);
            this.phase = phase("queue");
        }

        private Span phase(String name) {
            return otel.spanBuilder(name).setParent(parent).startSpan();
        }

        private void next(String name) {
            if (phase != null) {
                phase.end();
            }
            phase = name == null ? null : phase(name);
        }

        @Override
        public void scheduled(int cachedPromptTokens) {
            request.setAttribute(CACHED_TOKENS, (long) cachedPromptTokens);
            next("prefill");
        }

        @Override
        public void firstToken() {
            next("decode");
        }

        @Override
        public void finished(FinishReason reason, int completionTokens) {
            next(null);
            request.setAttribute(OUTPUT_TOKENS, (long) completionTokens);
            request.setAttribute(FINISH_REASONS, List.of(reason.apiName()));
            request.end();
        }

        @Override
        public void failed(Throwable error) {
            if (phase != null) {
                phase.setStatus(StatusCode.ERROR);
            }
            next(null);
            request.recordException(error);
            request.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
            request.end();
        }
    }
}
