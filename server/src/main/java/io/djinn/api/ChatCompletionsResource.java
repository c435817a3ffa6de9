package io.djinn.api;

import io.djinn.common.ApiDocumentation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import io.djinn.common.ErrorBody;
import io.djinn.auth.Caller;
import io.djinn.auth.CurrentCaller;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * {@code POST /v1/chat/completions}. One method serves JSON and SSE: the reply's status, headers and body are
 * decided off the event loop (template rendering and tokenization are CPU work), then written by Quarkus as they
 * come. Cancelling the returned stream (client gone) cancels the engine sequence.
 */
@Path("/v1/chat/completions")
@SecurityRequirement(name = ApiDocumentation.CLIENT)
public class ChatCompletionsResource {

    private final ChatCompletions completions;
    private final CurrentCaller caller;

    public ChatCompletionsResource(ChatCompletions completions, CurrentCaller caller) {
        this.completions = completions;
        this.caller = caller;
    }

    // The body is read as bytes (parsed and validated off the event loop), so its schema is declared here.
    @POST
    @Operation(summary = "Creates a chat completion (JSON, or SSE chunks when stream is true)")
    @RequestBody(required = true, content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = ChatCompletionRequest.class)))
    @APIResponse(responseCode = "200", description = "The completion, or a stream of chunks ending with [DONE]",
            content = {
                @Content(mediaType = "application/json", schema = @Schema(implementation = ChatCompletion.class)),
                @Content(mediaType = "text/event-stream",
                        schema = @Schema(implementation = ChatCompletionChunk.class))})
    @APIResponse(responseCode = "400", description = "Invalid request",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "404", description = "Unknown model",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "503", description = "Model loading or server shutting down (Retry-After)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    public Multi<String> create(@Schema(implementation = ChatCompletionRequest.class) byte[] body) {
        Caller who = caller.get(); // request-scoped: read it here, not on the worker thread
        Uni<HttpReply> reply = Uni.createFrom().deferred(() -> completions.handle(body, who))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return RestMulti.fromUniResponse(reply, HttpReply::body, HttpReply::headers, HttpReply::status);
    }
}
