package io.djinn.api;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every body the API reads is JSON. A body declared as something else ({@code text/plain}, a form) is refused with
 * an OpenAI-shaped 415 rather than parsed as JSON regardless of what the client said it sent. A body without a
 * Content-Type is still read as JSON, as OpenAI does. Runs after authentication, so an anonymous client learns
 * nothing here.
 */
public class JsonBodyFilter {

    @ServerRequestFilter(priority = Priorities.USER + 100)
    public Response jsonOnly(ContainerRequestContext ctx) {
        String method = ctx.getMethod();
        if (!("POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method))) {
            return null;
        }
        String declared = ctx.getHeaderString("Content-Type");
        if (declared == null || declared.isBlank() || isJson(declared)) {
            return null;
        }
        return ErrorMapper.response(ErrorMapper.fromStatus(415));
    }

    static boolean isJson(String contentType) {
        MediaType type;
        try {
            type = MediaType.valueOf(contentType.strip());
        } catch (IllegalArgumentException e) {
            return false;
        }
        String sub = type.getSubtype().toLowerCase(java.util.Locale.ROOT);
        return "application".equalsIgnoreCase(type.getType()) && (sub.equals("json") || sub.endsWith("+json"));
    }
}
