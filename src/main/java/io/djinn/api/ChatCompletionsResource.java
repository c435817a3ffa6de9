package io.djinn.api;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * {@code POST /v1/chat/completions}. One method serves JSON and SSE: the reply's status, headers and body are
 * decided off the event loop (template rendering and tokenization are CPU work), then written by Quarkus as they
 * come. Cancelling the returned stream (client gone) cancels the engine sequence.
 */
@Path("/v1/chat/completions")
public class ChatCompletionsResource {

    private final ChatCompletions completions;

    public ChatCompletionsResource(ChatCompletions completions) {
        this.completions = completions;
    }

    @POST
    public Multi<String> create(byte[] body) {
        Uni<HttpReply> reply = Uni.createFrom().deferred(() -> completions.handle(body))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return RestMulti.fromUniResponse(reply, HttpReply::body, HttpReply::headers, HttpReply::status);
    }
}
