package io.djinn.api;

import io.djinn.auth.Caller;
import io.djinn.auth.CurrentCaller;
import io.djinn.common.ApiDocumentation;
import io.djinn.common.ErrorBody;
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
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.jboss.resteasy.reactive.RestMulti;

/** {@code POST /v1/completions} (legacy): JSON or SSE, decided off the event loop as chat completions are. */
@Path("/v1/completions")
@SecurityRequirement(name = ApiDocumentation.CLIENT)
public class CompletionsResource {

    private final Completions completions;
    private final CurrentCaller caller;

    public CompletionsResource(Completions completions, CurrentCaller caller) {
        this.completions = completions;
        this.caller = caller;
    }

    @POST
    @Operation(summary = "Creates a legacy text completion of a raw prompt (JSON, or SSE chunks when stream is true)")
    @RequestBody(required = true, content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = CompletionRequest.class)))
    @APIResponse(responseCode = "200", description = "The completion, or a stream of chunks ending with [DONE]",
            content = {
                @Content(mediaType = "application/json", schema = @Schema(implementation = Completion.class)),
                @Content(mediaType = "text/event-stream", schema = @Schema(implementation = Completion.class))})
    @APIResponse(responseCode = "400", description = "Invalid request",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "404", description = "Unknown model",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "503", description = "Model loading or server shutting down (Retry-After)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    public Multi<String> create(@Schema(implementation = CompletionRequest.class) byte[] body) {
        Caller who = caller.get();
        Uni<HttpReply> reply = Uni.createFrom().deferred(() -> completions.handle(body, who))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return RestMulti.fromUniResponse(reply, HttpReply::body, HttpReply::headers, HttpReply::status);
    }
}
