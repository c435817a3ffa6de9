package io.djinn.hub;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Verifies a downloaded file against the Hub's metadata: an LFS file by the sha256 of its content, a file kept in
 * git by its git blob id (sha1 of {@code "blob <size>\0"} and the content). Without metadata there is nothing to
 * check but the size.
 */
final class ContentCheck {

    private final String algorithm;
    private final String expected;
    private final byte[] header;
    private MessageDigest digest;

    private ContentCheck(String algorithm, String expected, byte[] header) {
        this.algorithm = algorithm;
        this.expected = expected;
        this.header = header;
        reset();
    }

    static ContentCheck of(RepoInfo.RepoFile file, long size) {
        if (file.sha256().isPresent()) {
            return new ContentCheck("SHA-256", file.sha256().get().toLowerCase(java.util.Locale.ROOT), new byte[0]);
        }
        if (file.blobId().isPresent()) {
            return new ContentCheck("SHA-1", file.blobId().get().toLowerCase(java.util.Locale.ROOT),
                    ("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
        }
        return new ContentCheck(null, null, new byte[0]);
    }

    /** "sha256" or "git blob id", for messages. */
    String what() {
        return algorithm == null ? "size" : algorithm.equals("SHA-256") ? "sha256" : "git blob id";
    }

    void update(ByteBuffer b) {
        if (digest != null) {
            digest.update(b.duplicate());
        }
    }

    void update(byte[] b, int off, int len) {
        if (digest != null) {
            digest.update(b, off, len);
        }
    }

    void reset() {
        if (algorithm == null) {
            return;
        }
        try {
            digest = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        digest.update(header);
    }

    /** The actual value when it differs from the expected one. */
    Optional<String> mismatch() {
        if (digest == null) {
            return Optional.empty();
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        return actual.equals(expected) ? Optional.empty() : Optional.of(actual);
    }

    String expected() {
        return expected;
    }
}
