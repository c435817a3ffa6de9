package io.djinn.redis;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.List;

/**
 * Every Redis call of auth, limits and usage goes through here: each one is bounded by the configured timeout and
 * any transport failure becomes a {@link RedisUnavailableException}. The underlying Vert.x client pools connections
 * and opens a new one after a failure, so service resumes by itself when Redis returns.
 */
public final class RedisCalls {

    private final Redis redis;
    private final Duration timeout;

    public RedisCalls(Redis redis, Duration timeout) {
        this.redis = redis;
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
    }

    public Uni<Response> send(Command command, List<String> args) {
        Request request = Request.cmd(command);
        args.forEach(request::arg);
        return redis.send(request)
                .ifNoItem().after(timeout).failWith(() -> new RedisUnavailableException(
                        "Redis did not answer " + command + " within " + timeout.toMillis() + " ms", null))
                .onFailure(t -> !(t instanceof RedisUnavailableException) && !isServerReply(t))
                .transform(t -> new RedisUnavailableException("Redis call " + command + " failed: " + t, t));
    }

    public Uni<Response> send(Command command, String... args) {
        return send(command, List.of(args));
    }

    /** Runs a script by its digest, loading it first when the server does not know it (new or restarted server). */
    public Uni<Response> eval(LuaScript script, List<String> keys, List<String> args) {
        return send(Command.EVALSHA, script.arguments(script.sha1(), keys, args))
                .onFailure(RedisCalls::isNoScript)
                .recoverWithUni(() -> send(Command.EVAL, script.arguments(script.source(), keys, args)));
    }

    /** An error reply from the server (it is up and answered): a bug or a missing script, never a reason to fail open. */
    static boolean isServerReply(Throwable t) {
        return t.getClass().getName().startsWith("io.vertx.redis.client.impl.types.ErrorType");
    }

    static boolean isNoScript(Throwable t) {
        return isServerReply(t) && String.valueOf(t.getMessage()).startsWith("NOSCRIPT");
    }
}
