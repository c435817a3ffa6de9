package io.djinn.api;

import io.djinn.common.ApiException;
import io.djinn.common.Json;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.io.ByteArrayInputStream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Oversized bodies get a 413 in OpenAI's shape. Vert.x enforces {@code quarkus.http.limits.max-body-size} with a bare
 * status and an empty body; a body that declares its length is refused here before a byte of it is read, and a
 * chunked one is buffered here up to the limit, so that going past it fails the route with 413 and reaches this
 * class's failure handler.
 */
@ApplicationScoped
public class BodySizeLimit {

    private final long maxBytes;
    private final BodyHandler chunkedBodies;

    public BodySizeLimit(@ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10M")
            MemorySize maxBodySize) {
        this.maxBytes = maxBodySize.asLongValue();
        this.chunkedBodies = BodyHandler.create(false).setBodyLimit(maxBytes);
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::checkDeclaredLength);
        router.route().order(Integer.MIN_VALUE).failureHandler(ctx -> {
            if (ctx.statusCode() == 413 && !ctx.response().headWritten()) {
                tooLarge(ctx);
            } else if (!ctx.response().headWritten() && !ctx.response().ended()) {
                protocolError(ctx);
            } else {
                ctx.next();
            }
        });
    }

    private void checkDeclaredLength(RoutingContext ctx) {
        String declared = ctx.request().getHeader("Content-Length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                length = -1;
            }
            if (length > maxBytes) {
                tooLarge(ctx);
                return;
            }
        } else if (ctx.request().headers().contains("Transfer-Encoding")) {
            // No declared length: buffer up to the limit here (the REST layer then reads the buffered body), so that
            // going past it fails this route with 413 and reaches the failure handler above.
            chunkedBodies.handle(ctx);
            return;
        }
        ctx.next();
    }

    /**
     * A chunked body buffered above is handed to the REST layer as its entity. Left to itself, the REST layer's
     * reader of a non-blocking endpoint (chat completions) does not see that the body was already read, and a body
     * past its input buffer (10 KB) reached the resource as zeros ("Illegal character (CTRL-CHAR, code 0)"; the
     * blocking {@code /tokenize} read it right). With the entity set here, chunked and sized bodies read the same on
     * every endpoint.
     */
    @ServerRequestFilter(preMatching = true)
    public void bufferedBody(ContainerRequestContext request, RoutingContext ctx) {
        io.vertx.ext.web.RequestBody body = ctx.body();
        if (body != null && body.available()) {
            io.vertx.core.buffer.Buffer bytes = body.buffer();
            request.setEntityStream(new ByteArrayInputStream(bytes == null ? new byte[0] : bytes.getBytes()));
        }
    }

    /**
     * A request that failed below the REST layer (a Host header that is not a host, a broken URI): OpenAI's error
     * shape, not Quarkus' default {@code {"details","stack"}} page. Errors of the resources themselves never get
     * here (ErrorMapper answers them).
     */
    private static void protocolError(RoutingContext ctx) {
        int status = ctx.statusCode() >= 400 ? ctx.statusCode() : 400;
        if (ctx.statusCode() < 400 && ctx.failure() != null
                && !(ctx.failure() instanceof IllegalArgumentException)) {
            status = 500;
        }
        ApiException e = status == 400
                ? new ApiException(400, "invalid_request_error", "invalid_request", null,
                        "The HTTP request is malformed (request line or headers).", java.util.Map.of())
                : ErrorMapper.fromStatus(status);
        ctx.response().setStatusCode(e.status()).putHeader("Content-Type", "application/json")
                .putHeader("Connection", "close").end(Json.write(e.body()));
    }

    private void tooLarge(RoutingContext ctx) {
        ApiException e = new ApiException(413, "invalid_request_error", "request_too_large", null,
                "The request body is larger than the server's limit of " + maxBytes + " bytes.", java.util.Map.of());
        ctx.response().setStatusCode(413).putHeader("Content-Type", "application/json")
                // The unread rest of the body would otherwise be taken as the next request on this connection.
                .putHeader("Connection", "close")
                .end(Json.write(e.body()));
    }
}
