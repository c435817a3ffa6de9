package io.djinn.auth;

import io.djinn.common.ApiException;
import java.util.List;
import java.util.Map;

/** The OpenAI-shaped refusals of authentication. */
final class AuthException {

    private AuthException() {}

    static ApiException missing() {
        return invalid("You didn't provide an API key. Send it as 'Authorization: Bearer YOUR_KEY' "
                + "(or 'Authorization: Api-Key YOUR_KEY').");
    }

    static ApiException malformed() {
        return invalid("Malformed Authorization header; expected 'Bearer YOUR_KEY' or 'Api-Key YOUR_KEY'.");
    }

    static ApiException wrong() {
        return invalid("Incorrect API key provided.");
    }

    static ApiException wrongAdmin() {
        return new ApiException(401, "invalid_request_error", "invalid_admin_token", null,
                "The admin endpoints need 'Authorization: Bearer ADMIN_TOKEN' with the admin token.", Map.of());
    }

    static ApiException adminDisabled() {
        return new ApiException(403, "invalid_request_error", "admin_disabled", null,
                "The admin API is disabled; set djinn.admin.token to enable it.", Map.of());
    }

    static ApiException keyStoreUnavailable() {
        return new ApiException(503, "server_error", "auth_unavailable", null,
                "The key store is unreachable; retry shortly.", Map.of("Retry-After", List.of("1")));
    }

    private static ApiException invalid(String message) {
        return new ApiException(401, "invalid_request_error", "invalid_api_key", null, message, Map.of());
    }
}
