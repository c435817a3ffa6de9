package io.djinn.auth;

import io.djinn.common.ApiException;
import io.djinn.common.ErrorBody;
import io.djinn.common.Json;
import io.djinn.config.DjinnConfig;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates the API ({@code /v1/*}, {@code /tokenize}, {@code /detokenize}) with client keys and
 * {@code /admin/*} with the admin token, before the body is read. Health and metrics stay open.
 */
public class AuthFilter {

    private final Authenticator authenticator;
    private final CurrentCaller current;
    private final Optional<byte[]> adminTokenHash;

    public AuthFilter(Authenticator authenticator, CurrentCaller current, DjinnConfig config) {
        this.authenticator = authenticator;
        this.current = current;
        this.adminTokenHash = config.admin().token().filter(t -> !t.isBlank()).map(ApiKeys::sha256);
    }

    @ServerRequestFilter
    public Uni<Response> authenticate(ContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        String authorization = ctx.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (path.startsWith("/admin/")) {
            return Uni.createFrom().item(admin(authorization));
        }
        if (!(path.startsWith("/v1/") || path.equals("/tokenize") || path.equals("/detokenize"))) {
            return Uni.createFrom().nullItem();
        }
        return authenticator.authenticate(authorization).map(caller -> {
            current.set(caller);
            return (Response) null;
        }).onFailure(ApiException.class).recoverWithItem(t -> refusal((ApiException) t));
    }

    private Response admin(String authorization) {
        if (adminTokenHash.isEmpty()) {
            return refusal(AuthException.adminDisabled());
        }
        Optional<String> token;
        try {
            token = Authenticator.presentedKey(authorization);
        } catch (IllegalArgumentException e) {
            return refusal(AuthException.wrongAdmin());
        }
        if (token.isEmpty() || !java.security.MessageDigest.isEqual(ApiKeys.sha256(token.get()), adminTokenHash.get())) {
            return refusal(AuthException.wrongAdmin());
        }
        return null;
    }

    static Response refusal(ApiException e) {
        ErrorBody body = e.body();
        Response.ResponseBuilder b = Response.status(e.status()).type("application/json").entity(Json.write(body));
        if (e.status() == 401) {
            b.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        e.headers().forEach((k, v) -> v.forEach(x -> b.header(k, x)));
        return b.build();
    }
}
