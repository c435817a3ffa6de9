package io.djinn.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Generating, hashing and comparing key secrets. */
public final class ApiKeys {

    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {}

    /** 256 random bits, URL-safe, with a recognisable prefix (secret scanners look for such prefixes). */
    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "sk-djinn-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hex(byte[] hash) {
        return HexFormat.of().formatHex(hash);
    }

    /** The public id of a managed key: a prefix of its hash, which cannot give back the key. */
    public static String idOf(byte[] hash) {
        return "key_" + hex(hash).substring(0, 16);
    }

    /** Constant-time in the content (MessageDigest.isEqual), so timing does not reveal how much of a hash matched. */
    public static boolean sameHash(byte[] presented, String storedHex) {
        return storedHex != null && MessageDigest.isEqual(presented, HexFormat.of().parseHex(storedHex));
    }
}
