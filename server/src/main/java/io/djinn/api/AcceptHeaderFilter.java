package io.djinn.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Chat completions, responses and completions answer JSON or SSE according to the body's {@code stream} flag, as OpenAI does, whatever the
 * client's Accept header says (SDKs send {@code text/event-stream} for streams, some clients send
 * {@code application/json} for both). Content negotiation must not turn that into a 406.
 */
public class AcceptHeaderFilter {

    @ServerRequestFilter(preMatching = true)
    public void acceptAnything(ContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        if (path.startsWith("/v1/chat/completions") || path.startsWith("/v1/completions")
                || path.startsWith("/v1/responses")) {
            ctx.getHeaders().putSingle(HttpHeaders.ACCEPT, "*/*");
        }
    }
}
