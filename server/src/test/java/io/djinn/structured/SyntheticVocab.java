package io.djinn.structured;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A large vocabulary shaped like a real byte-level BPE one (GPT-4 / Qwen style): the 256 bytes, words with and
 * without a leading space, punctuation runs mixing quotes, brackets and commas (the tokens that cross JSON
 * boundaries, such as {@code "},} or {@code ":"}), digit groups, whitespace runs, accented and CJK text, and
 * fragments of multi-byte characters.
 */
final class SyntheticVocab {
    private SyntheticVocab() {}

    static TokenVocabulary of(int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LinkedHashSet<String> seen = new LinkedHashSet<>();
        List<byte[]> tokens = new ArrayList<>(size);
        for (int b = 0; b < 256; b++) {
            tokens.add(new byte[] {(byte) b});
            seen.add("\u0000byte" + b);
        }
        String letters = "etaoinshrdlcumwfgypbvkjxqz";
        String punct = "\"{}[]:,.;!?()'-_/\\*#@&%$=<>+|`~";
        String[] scripts = {"éèàçüöäßñ", "日本語中文字の漢字", "Привет", "αβγδ", "한국어", "مرحبا"};
        while (tokens.size() < size - 1) {
            int kind = r.nextInt(100);
            StringBuilder sb = new StringBuilder();
            byte[] raw = null;
            if (kind < 55) { // words
                if (r.nextBoolean()) {
                    sb.append(' ');
                }
                int len = 1 + Math.min(12, (int) Math.abs(r.nextGaussian() * 4));
                for (int i = 0; i < len; i++) {
                    char c = letters.charAt((int) Math.min(letters.length() - 1, Math.abs(r.nextGaussian() * 8)));
                    sb.append(i == 0 && r.nextInt(5) == 0 ? Character.toUpperCase(c) : c);
                }
            } else if (kind < 72) { // punctuation runs, often with quotes
                if (r.nextInt(3) == 0) {
                    sb.append(' ');
                }
                int len = 1 + r.nextInt(4);
                for (int i = 0; i < len; i++) {
                    sb.append(r.nextInt(3) == 0 ? '"' : punct.charAt(r.nextInt(punct.length())));
                }
                if (r.nextInt(4) == 0) {
                    sb.append(letters.charAt(r.nextInt(6)));
                }
            } else if (kind < 80) { // digits
                if (r.nextInt(4) == 0) {
                    sb.append(' ');
                }
                int len = 1 + r.nextInt(3);
                for (int i = 0; i < len; i++) {
                    sb.append((char) ('0' + r.nextInt(10)));
                }
            } else if (kind < 85) { // whitespace runs
                int len = 1 + r.nextInt(16);
                for (int i = 0; i < len; i++) {
                    sb.append(r.nextInt(5) == 0 ? '\n' : ' ');
                }
            } else if (kind < 97) { // other scripts
                String s = scripts[r.nextInt(scripts.length)];
                if (r.nextInt(4) == 0) {
                    sb.append(' ');
                }
                int len = 1 + r.nextInt(3);
                for (int i = 0; i < len; i++) {
                    sb.append(s.charAt(r.nextInt(s.length())));
                }
            } else { // a multi-byte character cut in two
                String s = scripts[r.nextInt(scripts.length)];
                byte[] b = String.valueOf(s.charAt(r.nextInt(s.length()))).getBytes(StandardCharsets.UTF_8);
                int cut = 1 + r.nextInt(b.length - 1);
                raw = r.nextBoolean() ? Arrays.copyOf(b, cut) : Arrays.copyOfRange(b, cut, b.length);
                sb.append(Arrays.toString(raw));
            }
            if (seen.add(sb.toString())) {
                tokens.add(raw != null ? raw : sb.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        tokens.add(null); // EOS
        return TokenVocabulary.of(tokens, new int[] {size - 1}, size);
    }
}
