package io.djinn.api;

import io.djinn.common.ApiDocumentation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import io.djinn.common.ApiException;
import io.djinn.common.ErrorBody;
import io.djinn.common.Json;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.djinn.serving.ServedModel;
import io.djinn.serving.ModelHost;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import java.util.List;

/** {@code GET /v1/models} and {@code /v1/models/{id}}; the model appears only once it is ready to serve. */
@Path("/v1/models")
@SecurityRequirement(name = ApiDocumentation.CLIENT)
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
        List<ModelCard> data = new ArrayList<>();
        host.ready().ifPresent(m -> {
            data.add(card(m, m.id()));
            host.aliases().forEach(alias -> data.add(card(m, alias)));
        });
        return Response.ok(Json.write(new ModelList("list", data)), "application/json").build();
    }

    @GET
    @Path("/{id: .+}")
    @APIResponse(responseCode = "200", description = "The model",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ModelCard.class)))
    @APIResponse(responseCode = "404", description = "Unknown model (or not loaded yet)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    public Response get(@PathParam("id") String id) {
        ServedModel m = host.find(id).orElseThrow(() -> ApiException.modelNotFound(id, host.servedNames()));
        return Response.ok(Json.write(card(m, id)), "application/json").build();
    }

    /** An alias is listed as its own entry whose {@code root} is the model's id, as vLLM lists served names. */
    private static ModelCard card(ServedModel m, String name) {
        return new ModelCard(name, "model", m.createdEpochSeconds(), "djinn", m.id(), m.maxContext());
    }
}
