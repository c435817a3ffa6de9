package io.djinn.tokenizer;

/** The GPT-2 byte-to-unicode map used by byte-level BPE vocabularies. */
public final class ByteLevel {
    private ByteLevel() {}

    private static final char[] BYTE_TO_CHAR = new char[256];
    /** char -> byte, or -1. Indexed by char value (all mapped chars are below 0x200). */
    private static final short[] CHAR_TO_BYTE = new short[0x200];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    public static char byteToChar(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a byte-level char stands for, or -1 if the char is not part of the alphabet. */
    public static int charToByte(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** Byte-level string for raw bytes. */
    public static String encode(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }

    /**
     * Mirrors the HF tokenizers ByteLevel decoder for one token: if every char is in the alphabet the token
     * stands for those bytes, otherwise (e.g. an added token containing a space) for its own UTF-8.
     */
    public static byte[] decodeToken(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            int b = charToByte(token.charAt(i));
            if (b < 0) return token.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out[i] = (byte) b;
        }
        return out;
    }
}
