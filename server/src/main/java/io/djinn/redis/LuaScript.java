package io.djinn.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** A Lua script from the class path with the SHA-1 digest Redis knows it by. */
public record LuaScript(String source, String sha1) {

    public static LuaScript load(Class<?> owner, String resource) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + resource);
            }
            String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            return new LuaScript(source, HexFormat.of().formatHex(digest));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    List<String> arguments(String scriptOrSha, List<String> keys, List<String> args) {
        List<String> out = new ArrayList<>(keys.size() + args.size() + 2);
        out.add(scriptOrSha);
        out.add(String.valueOf(keys.size()));
        out.addAll(keys);
        out.addAll(args);
        return out;
    }
}
