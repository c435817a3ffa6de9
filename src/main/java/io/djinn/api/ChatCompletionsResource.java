package io.djinn.api;

import io.djinn.auth.Caller;
import io.djinn.auth.CurrentCaller;
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
    private final CurrentCaller caller;

    public ChatCompletionsResource(ChatCompletions completions, CurrentCaller caller) {
        this.completions = completions;
        this.caller = caller;
    }

    @POST
    public Multi<String> create(byte[] body) {
        Caller who = caller.get(); // request-scoped: read it here, not on the worker thread
        Uni<HttpReply> reply = Uni.createFrom().deferred(() -> completions.handle(body, who))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return RestMulti.fromUniResponse(reply, HttpReply::body, HttpReply::headers, HttpReply::status);
    }
}
