package io.djinn.auth;

import io.djinn.common.ApiException;
import io.djinn.common.ErrorBody;
import io.djinn.common.Json;
import io.djinn.config.DjinnConfig;
import io.smallrye.mutiny.Uni;
import io.djinn.common.ApiDocumentation;
import io.djinn.common.Unauthenticated;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates every request by the resource method it was matched to, never by comparing path strings (which
 * {@code /tokenize/}, {@code /%74okenize} or {@code /v1/../tokenize} would slip past): a resource declared with the
 * admin security requirement takes the admin token (Bearer only), one marked {@link Unauthenticated} (health,
 * metrics) stays open, and every other resource, declared for client keys or not declared at all, takes a client
 * key. A request that matches no resource gets its 404/405 without authentication, as it reaches nothing.
 */
public class AuthFilter {

    /** What a matched resource method requires. */
    enum Protection { OPEN, CLIENT, ADMIN }

    private final Map<Method, Protection> protections = new ConcurrentHashMap<>();

    private final Authenticator authenticator;
    private final CurrentCaller current;
    private final Optional<byte[]> adminTokenHash;

    public AuthFilter(Authenticator authenticator, CurrentCaller current, DjinnConfig config) {
        this.authenticator = authenticator;
        this.current = current;
        this.adminTokenHash = config.admin().token().filter(t -> !t.isBlank()).map(ApiKeys::sha256);
    }

    @ServerRequestFilter
    public Uni<Response> authenticate(ContainerRequestContext ctx, ResourceInfo resource) {
        String authorization = ctx.getHeaderString(HttpHeaders.AUTHORIZATION);
        Method method = resource.getResourceMethod();
        Protection protection = method == null ? Protection.CLIENT
                : protections.computeIfAbsent(method, m -> protectionOf(resource.getResourceClass(), m));
        if (protection == Protection.OPEN) {
            return Uni.createFrom().nullItem();
        }
        if (protection == Protection.ADMIN) {
            return Uni.createFrom().item(admin(authorization));
        }
        return authenticator.authenticate(authorization).map(caller -> {
            current.set(caller);
            return (Response) null;
        }).onFailure(ApiException.class).recoverWithItem(t -> refusal((ApiException) t));
    }

    static Protection protectionOf(Class<?> type, Method method) {
        Protection declared = declared(method);
        return declared != null ? declared : type == null || declared(type) == null ? Protection.CLIENT : declared(type);
    }

    private static Protection declared(java.lang.reflect.AnnotatedElement element) {
        if (element.isAnnotationPresent(Unauthenticated.class)) {
            return Protection.OPEN;
        }
        for (SecurityRequirement r : element.getAnnotationsByType(SecurityRequirement.class)) {
            if (ApiDocumentation.ADMIN.equals(r.name())) {
                return Protection.ADMIN;
            }
            if (ApiDocumentation.CLIENT.equals(r.name())) {
                return Protection.CLIENT;
            }
        }
        return null;
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
        // README: the admin API takes only "Authorization: Bearer <token>"; the Api-Key scheme is for client keys.
        if (token.isPresent() && !authorization.strip().regionMatches(true, 0, "Bearer ", 0, 7)) {
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
