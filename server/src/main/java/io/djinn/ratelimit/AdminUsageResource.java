package io.djinn.ratelimit;

import io.djinn.common.ApiDocumentation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import io.djinn.common.ApiException;
import io.djinn.redis.RedisUnavailableException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/** {@code GET /admin/v1/usage?key=ID[&day=YYYY-MM-DD]}: a key's metered usage of one UTC day (today by default). */
@Path("/admin/v1/usage")
@SecurityRequirement(name = ApiDocumentation.ADMIN)
public class AdminUsageResource {

    private final RateLimiter limiter;

    public AdminUsageResource(RateLimiter limiter) {
        this.limiter = limiter;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<UsageReport> usage(@QueryParam("key") String key, @QueryParam("day") String day) {
        if (key == null || key.isBlank()) {
            throw ApiException.invalidParam("key", "Query parameter 'key' (a key id such as key_0123abcd...) is required.");
        }
        LocalDate d;
        try {
            d = day == null || day.isBlank() ? LocalDate.now(Clock.systemUTC()) : LocalDate.parse(day);
        } catch (DateTimeParseException e) {
            throw ApiException.invalidParam("day", "Query parameter 'day' must be a date like 2026-01-31.");
        }
        return limiter.usage(key, d).onFailure(RedisUnavailableException.class).transform(t -> unavailable());
    }

    static ApiException unavailable() {
        return new ApiException(503, "server_error", "redis_unavailable", null,
                "The key and usage store is unreachable; retry shortly.", Map.of("Retry-After", List.of("1")));
    }
}
