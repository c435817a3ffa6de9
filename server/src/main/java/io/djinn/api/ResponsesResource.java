package io.djinn.api;

import io.djinn.auth.Caller;
import io.djinn.auth.CurrentCaller;
import io.djinn.common.ApiDocumentation;
import io.djinn.common.ErrorBody;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * {@code /v1/responses}: create (JSON or SSE semantic events), retrieve, delete, and list a response's input items.
 * A key sees only the responses it created; another key's id reads as not found.
 */
@Path("/v1/responses")
@SecurityRequirement(name = ApiDocumentation.CLIENT)
public class ResponsesResource {

    private final Responses responses;
    private final CurrentCaller caller;

    public ResponsesResource(Responses responses, CurrentCaller caller) {
        this.responses = responses;
        this.caller = caller;
    }

    @POST
    @Operation(summary = "Creates a model response (JSON, or SSE semantic events when stream is true)")
    @RequestBody(required = true, content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = ResponsesRequest.class)))
    @APIResponse(responseCode = "200", description = "The response, or a stream of events from response.created to "
            + "response.completed (or response.incomplete)", content = {
                @Content(mediaType = "application/json", schema = @Schema(implementation = ResponseObject.class)),
                @Content(mediaType = "text/event-stream")})
    @APIResponse(responseCode = "400", description = "Invalid request",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "404", description = "Unknown model",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "503", description = "Model loading, server shutting down, or the store unreachable",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    public Multi<String> create(@Schema(implementation = ResponsesRequest.class) byte[] body) {
        Caller who = caller.get();
        return reply(Uni.createFrom().deferred(() -> responses.handle(body, who)));
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "Retrieves a stored response")
    @APIResponse(responseCode = "200", description = "The response",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ResponseObject.class)))
    @APIResponse(responseCode = "404", description = "No such response for this key",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    public Multi<String> retrieve(@PathParam("id") String id, @QueryParam("stream") Boolean stream) {
        Caller who = caller.get();
        if (Boolean.TRUE.equals(stream)) {
            return reply(Uni.createFrom().item(ChatCompletions.error(io.djinn.common.ApiException.badRequest(
                    "stream", "unsupported_parameter", "Replaying a response as a stream is not supported (there "
                            + "are no background responses); retrieve it without 'stream'."))));
        }
        return reply(Uni.createFrom().deferred(() -> responses.retrieve(id, who)));
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Deletes a stored response")
    @APIResponse(responseCode = "200", description = "{id, object: response.deleted, deleted: true}",
            content = @Content(mediaType = "application/json"))
    @APIResponse(responseCode = "404", description = "No such response for this key",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    public Multi<String> delete(@PathParam("id") String id) {
        Caller who = caller.get();
        return reply(Uni.createFrom().deferred(() -> responses.delete(id, who)));
    }

    @GET
    @Path("/{id}/input_items")
    @Operation(summary = "Lists the input items of a stored response (limit 1-100, order asc|desc, after)")
    @APIResponse(responseCode = "200", description = "{object: list, data, first_id, last_id, has_more}",
            content = @Content(mediaType = "application/json"))
    @APIResponse(responseCode = "404", description = "No such response for this key",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    public Multi<String> inputItems(@PathParam("id") String id, @QueryParam("limit") Integer limit,
            @QueryParam("order") String order, @QueryParam("after") String after) {
        Caller who = caller.get();
        return reply(Uni.createFrom().deferred(() -> responses.inputItems(id, who, limit, order, after)));
    }

    private static Multi<String> reply(Uni<HttpReply> reply) {
        return RestMulti.fromUniResponse(reply.runSubscriptionOn(Infrastructure.getDefaultWorkerPool()),
                HttpReply::body, HttpReply::headers, HttpReply::status);
    }
}
