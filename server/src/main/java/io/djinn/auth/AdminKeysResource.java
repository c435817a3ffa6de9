package io.djinn.auth;

import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import io.djinn.common.ApiDocumentation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.djinn.common.ApiException;
import io.djinn.common.Json;
import io.djinn.redis.RedisUnavailableException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Managed keys ({@code /admin/v1/keys}, admin token only; see {@link AuthFilter}). The secret is returned once, by
 * create; afterwards only its id and the hash exist.
 */
@Path("/admin/v1/keys")
@SecurityRequirement(name = ApiDocumentation.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
public class AdminKeysResource {

    private final KeyStore store;

    public AdminKeysResource(KeyStore store) {
        this.store = store;
    }

    /** A key as the admin API shows it; {@code key} is present only in the answer to create. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record KeyView(String id, String object, String key, String owner, String tier,
            @JsonProperty("requests_per_minute") int requestsPerMinute,
            @JsonProperty("tokens_per_minute") int tokensPerMinute,
            @JsonProperty("max_concurrent_requests") int maxConcurrentRequests, List<String> models,
            @JsonProperty("created_at") long createdAt, @JsonProperty("revoked_at") Long revokedAt) {

        static KeyView of(ApiKey k, String secret) {
            return new KeyView(k.id(), "api_key", secret, k.owner(), k.tier(), k.requestsPerMinute(),
                    k.tokensPerMinute(), k.maxConcurrentRequests(), k.models(), k.createdAt(), k.revokedAt());
        }
    }

    public record KeyList(String object, List<KeyView> data) {}

    /** The body of create and update (documentation: the handlers read it field by field, naming bad ones). */
    public record KeyRequest(@Schema(description = "who the key belongs to; required by create") String owner,
            String tier, @JsonProperty("requests_per_minute") Integer requestsPerMinute,
            @JsonProperty("tokens_per_minute") Integer tokensPerMinute,
            @JsonProperty("max_concurrent_requests") Integer maxConcurrentRequests, List<String> models) {}

    @POST
    @RequestBody(required = true, content = @Content(mediaType = "application/json", schema = @Schema(implementation = KeyRequest.class)))
    @APIResponse(responseCode = "201", description = "The key, with its secret (shown only here)",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = KeyView.class)))
    public Uni<Response> create(@Schema(implementation = KeyRequest.class) byte[] body) {
        JsonNode json = parse(body);
        String owner = text(json, "owner", null);
        if (owner == null || owner.isBlank()) {
            throw ApiException.invalidParam("owner", "'owner' is required.");
        }
        Limits limits = limits(json, Limits.UNLIMITED);
        String secret = ApiKeys.generate();
        byte[] hash = ApiKeys.sha256(secret);
        ApiKey key = new ApiKey(ApiKeys.idOf(hash), ApiKeys.hex(hash), owner, text(json, "tier", "default"),
                limits.requestsPerMinute(), limits.tokensPerMinute(), limits.maxConcurrentRequests(),
                models(json, List.of()), Instant.now().getEpochSecond(), null);
        return guard(store.save(key)).map(v -> Response.status(201).entity(KeyView.of(key, secret)).build());
    }

    @GET
    public Uni<KeyList> list() {
        return guard(store.list()).map(keys -> new KeyList("list",
                keys.stream().map(k -> KeyView.of(k, null)).toList()));
    }

    @GET
    @Path("{id}")
    public Uni<KeyView> show(@PathParam("id") String id) {
        return existing(id).map(k -> KeyView.of(k, null));
    }

    @PATCH
    @Path("{id}")
    @RequestBody(required = true, content = @Content(mediaType = "application/json", schema = @Schema(implementation = KeyRequest.class)))
    public Uni<KeyView> update(@PathParam("id") String id,
            @Schema(implementation = KeyRequest.class) byte[] body) {
        JsonNode json = parse(body);
        return existing(id).chain(k -> {
            ApiKey updated = k.withLimits(text(json, "tier", k.tier()), limits(json, k.limits()),
                    models(json, k.models()));
            return guard(store.save(updated)).map(v -> KeyView.of(updated, null));
        });
    }

    /** The same as PATCH, for clients that cannot send PATCH. */
    @POST
    @Path("{id}")
    @RequestBody(required = true, content = @Content(mediaType = "application/json", schema = @Schema(implementation = KeyRequest.class)))
    public Uni<KeyView> updateByPost(@PathParam("id") String id,
            @Schema(implementation = KeyRequest.class) byte[] body) {
        return update(id, body);
    }

    /** Revocation keeps the record (for audit and usage) and refuses the key from the next request on. */
    @DELETE
    @Path("{id}")
    public Uni<KeyView> revoke(@PathParam("id") String id) {
        return existing(id).chain(k -> {
            ApiKey revoked = k.revoked() ? k : k.revokedAt(Instant.now().getEpochSecond());
            return guard(store.save(revoked)).map(v -> KeyView.of(revoked, null));
        });
    }

    private Uni<ApiKey> existing(String id) {
        return guard(store.find(id)).map(found -> found.orElseThrow(() -> new ApiException(404,
                "invalid_request_error", "key_not_found", "id", "No API key with id '" + id + "'.", Map.of())));
    }

    private static <T> Uni<T> guard(Uni<T> call) {
        return call.onFailure(RedisUnavailableException.class).transform(t -> AuthException.keyStoreUnavailable());
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode n = body == null || body.length == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(body);
            if (n == null || !n.isObject()) {
                throw ApiException.badRequest(null, "invalid_json", "The body must be a JSON object.");
            }
            return n;
        } catch (IOException e) {
            throw ApiException.badRequest(null, "invalid_json", "The body is not valid JSON.");
        }
    }

    private static String text(JsonNode json, String field, String fallback) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw ApiException.invalidParam(field, "'" + field + "' must be a string.");
        }
        return v.asText();
    }

    private static Limits limits(JsonNode json, Limits current) {
        return new Limits(count(json, "requests_per_minute", current.requestsPerMinute()),
                count(json, "tokens_per_minute", current.tokensPerMinute()),
                count(json, "max_concurrent_requests", current.maxConcurrentRequests()));
    }

    private static int count(JsonNode json, String field, int fallback) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0) {
            throw ApiException.invalidParam(field, "'" + field + "' must be an integer from 0 (unlimited) to "
                    + Integer.MAX_VALUE + ".");
        }
        return v.asInt();
    }

    private static List<String> models(JsonNode json, List<String> fallback) {
        JsonNode v = json.get("models");
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isArray()) {
            throw ApiException.invalidParam("models", "'models' must be an array of model ids ([] = every model).");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode m : v) {
            if (!m.isTextual() || m.asText().isBlank()) {
                throw ApiException.invalidParam("models", "'models' must contain model ids (strings).");
            }
            out.add(m.asText());
        }
        return List.copyOf(out);
    }
}
