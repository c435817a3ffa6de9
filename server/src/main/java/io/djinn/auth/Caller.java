package io.djinn.auth;

import java.util.List;

/**
 * Who sent a request, as the auth filter established it. {@code keyId} is never the secret; {@code models} empty =
 * every model.
 */
public record Caller(String keyId, String owner, String tier, Limits limits, List<String> models) {

    public static Caller anonymous(Limits limits) {
        return new Caller("anonymous", "anonymous", "default", limits, List.of());
    }

    public boolean mayUse(String model) {
        return models.isEmpty() || models.contains(model);
    }
}
