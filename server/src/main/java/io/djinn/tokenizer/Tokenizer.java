package io.djinn.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.djinn.common.DjlEnvironment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A Hugging Face tokenizer (tokenizer.json + tokenizer_config.json) backed by DJL's native tokenizers.
 *
 * <p>Encoding never truncates, pads or adds special tokens: the chat template is responsible for those.
 * For byte-level BPE tokenizers (GPT-2, Llama 3, Qwen) decoding runs in Java from the parsed vocabulary
 * (the single-token decode is an array lookup); other decoders use the native decoder.
 * Thread-safe.
 */
public final class Tokenizer implements AutoCloseable {
    static {
        DjlEnvironment.init(); // before any DJL class initialises
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> OPTIONS =
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private final HuggingFaceTokenizer native_;
    /** The vocabulary's tables, special tokens and chat template, read before the native tokenizer. */
    private final Tables tables;

    private Tokenizer(HuggingFaceTokenizer native_, Tables t) {
        this.native_ = native_;
        this.tables = t;
    }

    /**
     * Everything the Java side reads from the tokenizer's files ({@code tokenizer.json}'s tables,
     * {@code tokenizer_config.json}'s special tokens and chat template) and the compiled template: plain Java, read
     * before the native library loads, so a start can do it while libtorch loads (see ModelHost).
     */
    public static final class Tables {
        private final Path modelDir;
        private final Map<String, Integer> tokenToId;
        /** Raw token strings as they appear in the vocab / added tokens (null for holes). */
        private final String[] idToToken;
        private final byte[][] tokenBytes;
        /** Decoded text of a single token when its bytes are valid UTF-8 on their own, else null. */
        private final String[] tokenText;
        private final boolean[] special;
        private final boolean[] addedToken;
        private final boolean byteLevel;
        private final String bosToken;
        private final String eosToken;
        private final String padToken;
        private final int maxTokenChars;
        private final String chatTemplateSource;
        private volatile ChatTemplate chatTemplate;

        /** Reads {@code tokenizer.json}, {@code tokenizer_config.json} and {@code chat_template.jinja} if present. */
        public static Tables read(Path modelDir) {
            DjlEnvironment.init();
            try {
                TableFields tokJson = tableFields(modelDir.resolve("tokenizer.json"));
                Path cfgFile = modelDir.resolve("tokenizer_config.json");
                JsonNode config = Files.exists(cfgFile) ? JSON.readTree(cfgFile.toFile()) : JSON.createObjectNode();
                Path jinja = modelDir.resolve("chat_template.jinja");
                String templateFile = Files.exists(jinja) ? Files.readString(jinja) : null;
                return new Tables(modelDir, tokJson, config, templateFile);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load tokenizer from " + modelDir, e);
            }
        }

        private Tables(Path modelDir, TableFields tokJson, JsonNode config, String templateFile) {
            this.modelDir = modelDir;
            tokenToId = tokJson.vocab();
            int maxId = tokJson.maxVocabId();
            JsonNode added = tokJson.addedTokens();
            for (JsonNode a : added) maxId = Math.max(maxId, a.path("id").asInt());
            idToToken = new String[maxId + 1];
            special = new boolean[maxId + 1];
            boolean[] isAdded = new boolean[maxId + 1];
            addedToken = isAdded;
            for (var e : tokenToId.entrySet()) idToToken[e.getValue()] = e.getKey();
            for (JsonNode a : added) {
                int id = a.path("id").asInt();
                String content = a.path("content").asText();
                idToToken[id] = content;
                tokenToId.put(content, id);
                special[id] = a.path("special").asBoolean(false);
                isAdded[id] = true;
            }
            JsonNode decoder = tokJson.decoder();
            byteLevel = "ByteLevel".equals(decoder.path("type").asText());
            tokenBytes = new byte[maxId + 1][];
            tokenText = new String[maxId + 1];
            CharsetDecoder strict = strictUtf8();
            for (int id = 0; id <= maxId; id++) {
                String tok = idToToken[id];
                if (tok == null) continue;
                byte[] b;
                if (byteLevel) {
                    b = ByteLevel.decodeToken(tok);
                } else if (isAdded[id]) {
                    b = tok.getBytes(StandardCharsets.UTF_8);
                } else {
                    b = sentencePieceBytes(tok);
                }
                tokenBytes[id] = b;
                if (byteLevel) {
                    try {
                        tokenText[id] = strict.decode(ByteBuffer.wrap(b)).toString();
                    } catch (CharacterCodingException ignored) {
                        // a partial UTF-8 sequence: decoded through the slow path
                    }
                }
            }
            int longest = 1;
            for (String tok : idToToken) {
                if (tok != null) longest = Math.max(longest, tok.length());
            }
            maxTokenChars = longest;
            bosToken = tokenContent(config.get("bos_token"));
            eosToken = tokenContent(config.get("eos_token"));
            padToken = tokenContent(config.get("pad_token"));
            chatTemplateSource = templateFile != null ? templateFile : templateSource(config.get("chat_template"));
        }

        /** The chat template compiled (once), or null when the tokenizer has none. */
        public ChatTemplate chatTemplate() {
            ChatTemplate t = chatTemplate;
            if (t == null && chatTemplateSource != null) {
                synchronized (this) {
                    t = chatTemplate;
                    if (t == null) chatTemplate = t = ChatTemplate.of(chatTemplateSource, bosToken, eosToken);
                }
            }
            return t;
        }
    }


    /** Loads {@code tokenizer.json} and (if present) {@code tokenizer_config.json} / {@code chat_template.jinja}. */
    public static Tokenizer load(Path modelDir) {
        return load(Tables.read(modelDir));
    }

    /** The native tokenizer over {@code tables}' {@code tokenizer.json}, with the tables read before. */
    public static Tokenizer load(Tables tables) {
        try {
            return new Tokenizer(HuggingFaceTokenizer.newInstance(tables.modelDir.resolve("tokenizer.json"), OPTIONS),
                    tables);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load tokenizer from " + tables.modelDir, e);
        }
    }

    /**
     * The parts of {@code tokenizer.json} the Java-side tables are built from: the model's vocabulary as token to id
     * (a BPE/WordPiece object as it stands, a Unigram list of {@code [piece, score]} by position), {@code added_tokens}
     * and {@code decoder}; {@code maxVocabId} is the vocabulary's largest id, -1 when it is empty.
     */
    record TableFields(Map<String, Integer> vocab, int maxVocabId, JsonNode addedTokens, JsonNode decoder) {}

    /**
     * Reads {@link TableFields} with a streaming parser that skips the rest: the native tokenizer parses the whole
     * file itself. A tree of all of it (a BPE model's merges are as many strings as its vocabulary) cost the start-up
     * path about twice the time (SmolLM's 1.4 MB file, warm: 60-100 ms against 100-275 ms), and the vocabulary goes
     * straight into its map, not through a tree of 49k nodes first.
     */
    static TableFields tableFields(Path tokFile) throws IOException {
        try (JsonParser p = JSON.getFactory().createParser(tokFile.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException(tokFile + ": not a JSON object");
            }
            Map<String, Integer> vocab = new HashMap<>();
            int maxId = -1;
            JsonNode added = com.fasterxml.jackson.databind.node.MissingNode.getInstance();
            JsonNode decoder = com.fasterxml.jackson.databind.node.MissingNode.getInstance();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "added_tokens" -> added = JSON.readTree(p);
                    case "decoder" -> decoder = JSON.readTree(p);
                    case "model" -> {
                        if (value != JsonToken.START_OBJECT) {
                            p.skipChildren();
                            break;
                        }
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String name = p.currentName();
                            JsonToken v = p.nextToken();
                            if (!name.equals("vocab")) {
                                p.skipChildren();
                            } else if (v == JsonToken.START_OBJECT) { // BPE, WordPiece: {"token": id, ...}
                                vocab = new HashMap<>(1 << 16);
                                while (p.nextToken() == JsonToken.FIELD_NAME) {
                                    String token = p.currentName();
                                    p.nextToken();
                                    int id = p.getValueAsInt();
                                    vocab.put(token, id);
                                    maxId = Math.max(maxId, id);
                                }
                            } else if (v == JsonToken.START_ARRAY) { // Unigram: [[piece, score], ...]
                                vocab = new HashMap<>(1 << 16);
                                int id = 0;
                                while (p.nextToken() == JsonToken.START_ARRAY) {
                                    p.nextToken();
                                    vocab.put(p.getValueAsString(), id);
                                    maxId = Math.max(maxId, id++);
                                    while (p.nextToken() != JsonToken.END_ARRAY) {
                                        p.skipChildren(); // the score
                                    }
                                }
                            } else {
                                p.skipChildren();
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            return new TableFields(vocab, maxId, added, decoder);
        }
    }

    /**
     * Longest whitespace run handed to the native tokenizer in one piece. The pre-tokenizers' split regex
     * ({@code \s+(?!\S)} and friends) backtracks over a whole whitespace run, and Oniguruma aborts the match past
     * its retry limit (10 million): the Rust panic that follows ends the JVM. A run of about 7 million spaces still
     * passes, 10 million kill the process; runs are cut far below that. Real prompts (code indentation, padded
     * tables) hold runs of at most a few hundred characters, so they tokenize exactly as before.
     */
    public static final int MAX_WHITESPACE_RUN = 16_384;

    /**
     * Token ids for {@code text}; special-token strings in the text map to their ids. Never truncates. A whitespace
     * run longer than {@link #MAX_WHITESPACE_RUN} is tokenized in pieces of that length (the ids differ from one
     * native call only where a piece ends inside the run).
     */
    public int[] encode(String text) {
        int cut = nextCut(text, 0);
        if (cut < 0) {
            return encodeNative(text);
        }
        IntArrayBuilder out = new IntArrayBuilder(text.length() / 4 + 16);
        int from = 0;
        while (cut >= 0) {
            out.add(encodeNative(text.substring(from, cut)));
            from = cut;
            cut = nextCut(text, from);
        }
        out.add(encodeNative(text.substring(from)));
        return out.toArray();
    }

    /** The end of the first piece that starts at {@code from} and cuts a too-long whitespace run, or -1 if none. */
    static int nextCut(String text, int from) {
        int run = 0;
        for (int i = from; i < text.length(); i++) {
            if (isRegexWhitespace(text.charAt(i))) {
                if (++run > MAX_WHITESPACE_RUN) {
                    return i; // the piece ends with MAX_WHITESPACE_RUN whitespace characters
                }
            } else {
                run = 0;
            }
        }
        return -1;
    }

    /** Whitespace as Unicode (and so Oniguruma's {@code \s}) defines it: a superset of Java's isWhitespace. */
    private static boolean isRegexWhitespace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    private int[] encodeNative(String text) {
        long[] ids = native_.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = (int) ids[i];
        return out;
    }

    private static final class IntArrayBuilder {
        private int[] a;
        private int n;

        IntArrayBuilder(int capacity) {
            a = new int[Math.max(16, capacity)];
        }

        void add(int[] ids) {
            if (n + ids.length > a.length) a = java.util.Arrays.copyOf(a, Math.max(a.length * 2, n + ids.length));
            System.arraycopy(ids, 0, a, n, ids.length);
            n += ids.length;
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }

    public String decode(int[] ids, boolean skipSpecialTokens) {
        return decode(ids, 0, ids.length, skipSpecialTokens);
    }

    /** Decodes {@code ids[from, to)}. */
    public String decode(int[] ids, int from, int to, boolean skipSpecialTokens) {
        if (tables.byteLevel) {
            if (to - from == 1) {
                int id = checkId(ids[from]);
                if (skipSpecialTokens && tables.special[id]) return "";
                String t = tables.tokenText[id];
                if (t != null) return t;
            }
            int len = 0;
            for (int i = from; i < to; i++) {
                int id = checkId(ids[i]);
                if (!(skipSpecialTokens && tables.special[id])) len += tables.tokenBytes[id].length;
            }
            byte[] buf = new byte[len];
            int p = 0;
            for (int i = from; i < to; i++) {
                int id = ids[i];
                if (skipSpecialTokens && tables.special[id]) continue;
                byte[] b = tables.tokenBytes[id];
                System.arraycopy(b, 0, buf, p, b.length);
                p += b.length;
            }
            try {
                return strictUtf8().decode(ByteBuffer.wrap(buf)).toString();
            } catch (CharacterCodingException e) {
                // invalid UTF-8: let the native decoder apply its exact replacement rules
            }
        }
        long[] l = new long[to - from];
        for (int i = from; i < to; i++) l[i - from] = checkId(ids[i]);
        return native_.decode(l, skipSpecialTokens);
    }

    /**
     * Characters of the longest token as the vocabulary spells it (byte-level form, SentencePiece pieces, added
     * tokens). A text needs at least about {@code length / maxTokenChars} tokens, which lets a prompt that cannot
     * fit a context be refused before it is tokenized.
     */
    public int maxTokenChars() {
        return tables.maxTokenChars;
    }

    /**
     * Whether {@code text} certainly needs more than {@code tokens} tokens, judged from its length alone: each token
     * spells at most {@link #maxTokenChars()} characters of the normalized text, and normalization (NFKC composing
     * Hangul jamo, for one) shrinks a text at most threefold; a factor 4 keeps the judgement safe.
     */
    public boolean certainlyLongerThan(String text, int tokens) {
        return text.length() > 4L * tokens * tables.maxTokenChars;
    }

    /** Number of ids, including added tokens (max id + 1). */
    public int vocabSize() {
        return tables.idToToken.length;
    }

    /** Id of a token as spelled in the vocabulary (byte-level form, e.g. "Ġthe") or of an added token. */
    public OptionalInt tokenId(String token) {
        Integer id = tables.tokenToId.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The token as spelled in the vocabulary, or null for an unused id. */
    public String tokenString(int id) {
        return tables.idToToken[checkId(id)];
    }

    public boolean isSpecial(int id) {
        return id >= 0 && id < tables.special.length && tables.special[id];
    }

    /**
     * The raw bytes this token contributes to decoded output (a copy). For byte-level BPE these are exact,
     * and may be a partial UTF-8 sequence; for added tokens their UTF-8 content.
     */
    public byte[] tokenBytes(int id) {
        byte[] b = tables.tokenBytes[checkId(id)];
        return b == null ? new byte[0] : b.clone();
    }

    /** Whether the id is an added token (special or not), decoded as its literal content. */
    public boolean isAdded(int id) {
        return id >= 0 && id < tables.addedToken.length && tables.addedToken[id];
    }

    public boolean isByteLevel() {
        return tables.byteLevel;
    }

    public String bosToken() {
        return tables.bosToken;
    }

    public String eosToken() {
        return tables.eosToken;
    }

    public String padToken() {
        return tables.padToken;
    }

    /** The model's chat template, or null if the tokenizer has none. Compiled once on first use. */
    public ChatTemplate chatTemplate() {
        return tables.chatTemplate();
    }

    @Override
    public void close() {
        native_.close();
    }

    private int checkId(int id) {
        if (id < 0 || id >= tables.idToToken.length || tables.idToToken[id] == null) {
            throw new IllegalArgumentException("token id out of range: " + id);
        }
        return id;
    }

    private static CharsetDecoder strictUtf8() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /** SentencePiece-style pieces: "▁" is a space, "&lt;0xNN&gt;" a byte (byte fallback). */
    private static byte[] sentencePieceBytes(String tok) {
        if (tok.length() == 6 && tok.startsWith("<0x") && tok.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(tok.substring(3, 5), 16)};
            } catch (NumberFormatException ignored) {
                // not a byte piece
            }
        }
        return tok.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
    }

    static String tokenContent(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return null;
        if (n.isTextual()) return n.asText();
        JsonNode c = n.get("content");
        return c == null || c.isNull() ? null : c.asText();
    }

    static String templateSource(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return null;
        if (n.isTextual()) return n.asText();
        if (n.isArray()) {
            String first = null;
            for (JsonNode t : n) {
                String name = t.path("name").asText(null);
                String src = t.path("template").asText(null);
                if ("default".equals(name)) return src;
                if (first == null) first = src;
            }
            return first;
        }
        return null;
    }

    @Override
    public String toString() {
        return "Tokenizer[vocab=" + vocabSize() + ", byteLevel=" + tables.byteLevel + "]";
    }
}
