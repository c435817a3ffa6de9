package io.djinn.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.djinn.engine.ServedModel;
import io.djinn.serving.ModelHost;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import java.util.List;

/** {@code GET /v1/models} and {@code /v1/models/{id}}; the model appears only once it is ready to serve. */
@Path("/v1/models")
public class ModelsResource {

    public record ModelCard(String id, String object, long created, @JsonProperty("owned_by") String ownedBy,
            String root, @JsonProperty("max_model_len") int maxModelLen) {}

    public record ModelList(String object, List<ModelCard> data) {}

    private final ModelHost host;

    public ModelsResource(ModelHost host) {
        this.host = host;
    }

    @GET
    @APIResponse(responseCode = "200", description = "The served model, once loaded (empty list while loading)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ModelList.class)))
    public Response list() {
        List<ModelCard> data = host.ready().map(m -> List.of(card(m))).orElse(List.of());
        return Response.ok(Json.write(new ModelList("list", data)), "application/json").build();
    }

    @GET
    @Path("/{id: .+}")
    @APIResponse(responseCode = "200", description = "The model",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ModelCard.class)))
    @APIResponse(responseCode = "404", description = "Unknown model (or not loaded yet)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    public Response get(@PathParam("id") String id) {
        ServedModel m = host.ready().filter(x -> x.id().equals(id)).orElseThrow(() -> ApiException.modelNotFound(id));
        return Response.ok(Json.write(card(m)), "application/json").build();
    }

    private static ModelCard card(ServedModel m) {
        return new ModelCard(m.id(), "model", m.createdEpochSeconds(), "djinn", m.id(), m.maxContext());
    }
}
