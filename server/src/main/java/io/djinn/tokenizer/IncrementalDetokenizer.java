package io.djinn.tokenizer;

import java.util.Arrays;

/**
 * Streaming detokenizer (the prefix/read offset scheme of vLLM and TGI). Each {@link #append} decodes only a
 * small window of recent ids and returns the text that became printable; text that ends in the unfinished start
 * of a multi-byte UTF-8 character is held back until a later token completes it or {@link #flush} is called (bytes
 * that can never become a character are released at once, as U+FFFD, as the full decode shows them).
 * The concatenation of all returned strings equals {@code tokenizer.decode(allIds, skipSpecialTokens)}, except
 * that with {@code spacesBetweenSpecialTokens} off (and special tokens kept) an added token that directly follows
 * another added token is emitted as its bare content, without any space the decoder would put in front of it
 * (vLLM's meaning of spaces_between_special_tokens for fast tokenizers).
 * Not thread-safe (one instance per sequence).
 */
public final class IncrementalDetokenizer {
    private static final char REPLACEMENT = '\uFFFD';

    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private final boolean bareAddedTokens;
    private boolean lastAdded;
    /** Ids of the current window; ids before {@code prefix} have been dropped. */
    private int[] ids = new int[16];
    private int size;
    private int prefix;
    private int read;

    public IncrementalDetokenizer(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this(tokenizer, skipSpecialTokens, true);
    }

    public IncrementalDetokenizer(Tokenizer tokenizer, boolean skipSpecialTokens,
            boolean spacesBetweenSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
        this.bareAddedTokens = !skipSpecialTokens && !spacesBetweenSpecialTokens;
    }

    /** Adds one generated token; returns the newly printable text (possibly empty). */
    public String append(int tokenId) {
        if (bareAddedTokens) {
            boolean added = tokenizer.isAdded(tokenId);
            boolean afterAdded = lastAdded;
            lastAdded = added;
            if (added && afterAdded) {
                String held = flush();
                if (size == ids.length) compactOrGrow();
                ids[size++] = tokenId;
                prefix = size;
                read = size;
                return held + tokenizer.tokenString(tokenId);
            }
        }
        if (size == ids.length) compactOrGrow();
        ids[size++] = tokenId;
        String prefixText = prefix == read ? "" : tokenizer.decode(ids, prefix, read, skipSpecialTokens);
        String newText = tokenizer.decode(ids, prefix, size, skipSpecialTokens);
        int unfinished = newText.isEmpty() || newText.charAt(newText.length() - 1) != REPLACEMENT
                ? -1 : unfinishedStart();
        if (unfinished < 0) {
            if (newText.length() <= prefixText.length()) {
                return "";
            }
            String out = newText.substring(prefixText.length());
            prefix = read;
            read = size;
            return out;
        }
        if (unfinished <= read || startsMidCharacter(ids[unfinished])) {
            return "";   // nothing before it, or no clean cut: the token also ends the previous character
        }
        // Release everything before the token where the unfinished character begins: holding back the whole
        // window instead would stall the stream for as long as a model keeps ending tokens in a lead byte.
        String ready = tokenizer.decode(ids, prefix, unfinished, skipSpecialTokens);
        if (ready.length() <= prefixText.length()) {
            return "";
        }
        prefix = read;
        read = unfinished;
        return ready.substring(prefixText.length());
    }

    /**
     * The window's token in which an unfinished multi-byte UTF-8 character begins (its bytes end in the first 1-3
     * bytes of one, which a later token may still complete), or -1. A trailing U+FFFD that comes from bytes no later
     * token can repair (a stray continuation byte, a lead byte followed by a non-continuation) is released at once:
     * holding it back would hold back the whole stream for as long as a model keeps emitting such bytes.
     */
    private int unfinishedStart() {
        int continuation = 0;
        for (int i = size - 1; i >= prefix; i--) {
            if (skipSpecialTokens && tokenizer.isSpecial(ids[i])) {
                continue;
            }
            byte[] bytes = tokenizer.tokenBytes(ids[i]);
            for (int j = bytes.length - 1; j >= 0; j--) {
                int b = bytes[j] & 0xFF;
                if ((b & 0xC0) == 0x80) {
                    if (++continuation > 3) {
                        return -1;
                    }
                    continue;
                }
                int needed = b >= 0xF0 && b <= 0xF4 ? 3 : b >= 0xE0 && b <= 0xEF ? 2 : b >= 0xC2 && b <= 0xDF ? 1 : 0;
                return continuation < needed ? i : -1;
            }
        }
        return -1;
    }

    private boolean startsMidCharacter(int id) {
        byte[] bytes = tokenizer.tokenBytes(id);
        return bytes.length > 0 && (bytes[0] & 0xC0) == 0x80;
    }

    /** Emits whatever is held back (an incomplete sequence decodes to U+FFFD, as in the full decode). */
    public String flush() {
        if (read == size) return "";
        String prefixText = prefix == read ? "" : tokenizer.decode(ids, prefix, read, skipSpecialTokens);
        String newText = tokenizer.decode(ids, prefix, size, skipSpecialTokens);
        prefix = size;
        read = size;
        return newText.length() > prefixText.length() ? newText.substring(prefixText.length()) : "";
    }

    private void compactOrGrow() {
        if (prefix > 0) {
            System.arraycopy(ids, prefix, ids, 0, size - prefix);
            size -= prefix;
            read -= prefix;
            prefix = 0;
        }
        if (size == ids.length) ids = Arrays.copyOf(ids, ids.length * 2);
    }
}
