package io.djinn.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.djinn.common.ApiException;
import io.djinn.redis.FailurePolicy;
import io.djinn.redis.RedisBackend;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuthenticatorTest {

    @Test
    void bothSchemesAreAcceptedCaseInsensitively() {
        assertEquals(Optional.of("sk-1"), Authenticator.presentedKey("Bearer sk-1"));
        assertEquals(Optional.of("sk-1"), Authenticator.presentedKey("api-key  sk-1 "));
        assertEquals(Optional.empty(), Authenticator.presentedKey(null));
        assertEquals(Optional.empty(), Authenticator.presentedKey("  "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sk-1", "Bearer", "Bearer ", "Basic sk-1", "Bearer sk 1", "Bearer sk-\u00e9"})
    void malformedHeadersAreRefused(String header) {
        assertThrows(IllegalArgumentException.class, () -> Authenticator.presentedKey(header));
    }

    @Test
    void openUntilTheFirstManagedKeyThenKeysAreRequired() {
        InMemoryKeyStore store = new InMemoryKeyStore();
        Authenticator auth = new Authenticator(List.of(), Limits.UNLIMITED, store,
                new RedisBackend(Optional.empty(), FailurePolicy.OPEN));
        assertEquals("anonymous", auth.authenticate(null).await().indefinitely().keyId());
        String secret = ApiKeys.generate();
        byte[] hash = ApiKeys.sha256(secret);
        store.save(new ApiKey(ApiKeys.idOf(hash), ApiKeys.hex(hash), "o", "default", 1, 2, 3, List.of(), 0, null))
                .await().indefinitely();
        assertEquals(401, assertThrows(ApiException.class, () -> auth.authenticate(null).await().indefinitely())
                .status());
        Caller c = auth.authenticate("Bearer " + secret).await().indefinitely();
        assertEquals(new Limits(1, 2, 3), c.limits());
        // Any other secret is refused.
        assertEquals(401, assertThrows(ApiException.class,
                () -> auth.authenticate("Bearer " + secret + "x").await().indefinitely()).status());
    }
}
