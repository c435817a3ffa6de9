package io.djinn.serving;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ResourceInfo;
import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * {@code http_server_requests_seconds{method,uri,status,outcome}}, as Quarkus' and Spring's Micrometer binders name
 * it, timed from the request's arrival to the end of its response (a stream's last chunk included). {@code uri} is
 * the matched resource template ({@code /v1/models/{id: .+}}), never the raw path, so unknown paths cannot grow the
 * series without bound.
 */
@ApplicationScoped
public class HttpServerMetrics {

    private static final String URI = "djinn.metrics.uri";
    private final PrometheusMeterRegistry registry;

    public HttpServerMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    /** Times every request at the HTTP layer (JAX-RS response filters do not see streamed replies). */
    void install(@Observes Filters filters) {
        filters.register(ctx -> {
            long start = System.nanoTime();
            ctx.addEndHandler(done -> record(ctx, System.nanoTime() - start));
            ctx.next();
        }, Integer.MAX_VALUE);
    }

    /** Runs once the resource is matched, before authentication may refuse the request. */
    @ServerRequestFilter(priority = 1)
    public void matched(ResourceInfo resource, RoutingContext ctx) {
        ctx.put(URI, template(resource));
    }

    private void record(RoutingContext ctx, long nanos) {
        int status = ctx.response().getStatusCode();
        String uri = ctx.get(URI);
        Timer.builder("http.server.requests").description("HTTP requests by route and status")
                .tag("method", ctx.request().method().name())
                .tag("uri", uri != null ? uri : status == 404 ? "NOT_FOUND" : "UNKNOWN")
                .tag("status", Integer.toString(status))
                .tag("outcome", outcome(status))
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    private static String template(ResourceInfo resource) {
        Class<?> type = resource.getResourceClass();
        if (type == null) {
            return null;
        }
        Path classPath = type.getAnnotation(Path.class);
        Method method = resource.getResourceMethod();
        Path methodPath = method == null ? null : method.getAnnotation(Path.class);
        String uri = (classPath == null ? "" : classPath.value()) + (methodPath == null ? "" : "/" + methodPath.value());
        return uri.replaceAll("/+", "/");
    }

    private static String outcome(int status) {
        return status < 200 ? "INFORMATIONAL" : status < 300 ? "SUCCESS" : status < 400 ? "REDIRECTION"
                : status < 500 ? "CLIENT_ERROR" : "SERVER_ERROR";
    }
}
