package io.djinn.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.djinn.tokenizer.ByteLevel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a Djinn-authored byte-level BPE tokenizer ({@code tokenizer.json} + {@code tokenizer_config.json}, HF
 * format) into a checkpoint folder. Merges are trained deterministically on an embedded multilingual corpus; when
 * the corpus runs out of pairs, deterministic synthetic merges fill the vocabulary up to the requested size.
 *
 * <p>Layout: ids 0..255 are the 256 bytes (id = byte value), then the merges in rank order, then the added tokens
 * ({@link #ADDED_TOKENS}) as the last ids. {@code vocabSize} counts everything, so the loaded tokenizer reports
 * exactly that size.
 */
public final class TokenizerGenerator {
    private TokenizerGenerator() {}

    public static final int DEFAULT_VOCAB_SIZE = 1024;
    public static final int MAX_VOCAB_SIZE = 262_144;

    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String THINK_START = "<think>";
    public static final String THINK_END = "</think>";
    public static final String TOOL_CALL_START = "<tool_call>";
    public static final String TOOL_CALL_END = "</tool_call>";

    /** Added tokens in id order; the boolean says whether the token is "special" (dropped by skip_special_tokens). */
    public static final List<Map.Entry<String, Boolean>> ADDED_TOKENS = List.of(
            Map.entry(END_OF_TEXT, true), Map.entry(IM_START, true), Map.entry(IM_END, true),
            Map.entry(THINK_START, false), Map.entry(THINK_END, false),
            Map.entry(TOOL_CALL_START, false), Map.entry(TOOL_CALL_END, false));

    /** GPT-4 / Llama 3 style split: contractions, letter runs, 1-3 digit groups, punctuation, newlines, spaces. */
    public static final String SPLIT_REGEX =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    public static final int MODEL_MAX_LENGTH = 32768;

    /**
     * Ids the checkpoint needs. {@code bosId} is {@code <|endoftext|>} (as in Qwen's config.json; the tokenizer
     * config itself has no bos_token and the template emits none), {@code eosId} is {@code <|im_end|>}.
     */
    public record Result(int bosId, int eosId, int endOfTextId, int padId, int imStartId, int vocabSize,
                         int numMerges, Map<String, Integer> addedTokenIds) {}

    public static Result write(Path dir) {
        return write(dir, DEFAULT_VOCAB_SIZE);
    }

    public static Result write(Path dir, int vocabSize) {
        int numAdded = ADDED_TOKENS.size();
        if (vocabSize < 256 + numAdded || vocabSize > MAX_VOCAB_SIZE) {
            throw new IllegalArgumentException("vocabSize must be in [" + (256 + numAdded) + ", " + MAX_VOCAB_SIZE + "]: " + vocabSize);
        }
        Trained bpe = train(corpus(), vocabSize - numAdded);
        Map<String, Integer> added = new LinkedHashMap<>();
        int id = bpe.vocab.size();
        for (var t : ADDED_TOKENS) added.put(t.getKey(), id++);
        try {
            Files.createDirectories(dir);
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            json.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizerJson(bpe, added));
            json.writeValue(dir.resolve("tokenizer_config.json").toFile(), tokenizerConfig(added));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write tokenizer to " + dir, e);
        }
        return new Result(added.get(END_OF_TEXT), added.get(IM_END), added.get(END_OF_TEXT), added.get(END_OF_TEXT),
                added.get(IM_START), id, bpe.merges.size(), Map.copyOf(added));
    }

    /** The chat template written into tokenizer_config.json. */
    public static String chatTemplate() {
        return resource("chat_template.jinja");
    }

    static String corpus() {
        return resource("tokenizer-corpus.txt");
    }

    private static String resource(String name) {
        try (InputStream in = TokenizerGenerator.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- training

    /** vocab: token strings in id order (byte-level alphabet); merges: pairs of token strings in rank order. */
    record Trained(List<String> vocab, List<String[]> merges) {}

    /**
     * Byte-level BPE training with incremental pair statistics: pair counts and the words containing each pair
     * are updated only for the words a merge touches; a lazy max-heap picks the next pair (ties: smaller ids).
     */
    static Trained train(String text, int bpeVocabSize) {
        List<String> vocab = new ArrayList<>(bpeVocabSize);
        Map<String, Integer> ids = new HashMap<>(bpeVocabSize * 2);
        for (int b = 0; b < 256; b++) {
            String s = String.valueOf(ByteLevel.byteToChar(b));
            ids.put(s, vocab.size());
            vocab.add(s);
        }
        Set<String> reserved = new HashSet<>();
        for (var t : ADDED_TOKENS) reserved.add(ByteLevel.encode(t.getKey().getBytes(StandardCharsets.UTF_8)));
        List<String[]> merges = new ArrayList<>();

        // Unique pre-tokenized words (sorted for determinism) with their counts.
        TreeMap<String, Integer> wordCounts = new TreeMap<>();
        Matcher m = Pattern.compile(SPLIT_REGEX).matcher(text);
        while (m.find()) wordCounts.merge(m.group(), 1, Integer::sum);
        int nw = wordCounts.size();
        int[][] words = new int[nw][];
        int[] lens = new int[nw];
        int[] counts = new int[nw];
        int w = 0;
        for (var e : wordCounts.entrySet()) {
            byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
            words[w] = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) words[w][i] = bytes[i] & 0xFF;
            lens[w] = bytes.length;
            counts[w] = e.getValue();
            w++;
        }

        Map<Long, Integer> pairCounts = new HashMap<>();
        Map<Long, Set<Integer>> pairWords = new HashMap<>();
        for (w = 0; w < nw; w++) {
            for (int i = 0; i + 1 < lens[w]; i++) {
                long p = pair(words[w][i], words[w][i + 1]);
                pairCounts.merge(p, counts[w], Integer::sum);
                pairWords.computeIfAbsent(p, k -> new HashSet<>()).add(w);
            }
        }
        // heap entries: {count, pairKey}; max count first, then smaller pair key.
        PriorityQueue<long[]> heap = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0]) : Long.compare(a[1], b[1]));
        pairCounts.forEach((p, c) -> heap.add(new long[] {c, p}));
        Map<Long, Integer> delta = new HashMap<>();

        while (vocab.size() < bpeVocabSize && !heap.isEmpty()) {
            long[] top = heap.poll();
            long p = top[1];
            Integer current = pairCounts.get(p);
            if (current == null || current <= 0) continue;
            if (current != top[0]) { // stale entry
                heap.add(new long[] {current, p});
                continue;
            }
            int a = (int) (p >>> 32);
            int b = (int) p;
            String merged = vocab.get(a) + vocab.get(b);
            Integer existing = ids.get(merged);
            if (reserved.contains(merged)) { // never let BPE build an added token's text
                pairCounts.remove(p);
                continue;
            }
            int newId;
            if (existing != null) {
                newId = existing;
            } else {
                newId = vocab.size();
                vocab.add(merged);
                ids.put(merged, newId);
            }
            merges.add(new String[] {vocab.get(a), vocab.get(b)});

            delta.clear();
            Set<Integer> touched = pairWords.remove(p);
            pairCounts.remove(p);
            for (int wi : touched) {
                int[] sym = words[wi];
                int len = lens[wi];
                int c = counts[wi];
                boolean changed = false;
                for (int i = 0; i + 1 < len; i++) {
                    if (sym[i] == a && sym[i + 1] == b) {
                        changed = true;
                        break;
                    }
                }
                if (!changed) continue;
                // remove this word's old pairs, merge, add new pairs
                for (int i = 0; i + 1 < len; i++) delta.merge(pair(sym[i], sym[i + 1]), -c, Integer::sum);
                int out = 0;
                for (int i = 0; i < len; i++) {
                    if (i + 1 < len && sym[i] == a && sym[i + 1] == b) {
                        sym[out++] = newId;
                        i++;
                    } else {
                        sym[out++] = sym[i];
                    }
                }
                lens[wi] = out;
                for (int i = 0; i + 1 < out; i++) {
                    long q = pair(sym[i], sym[i + 1]);
                    delta.merge(q, c, Integer::sum);
                    pairWords.computeIfAbsent(q, k -> new HashSet<>()).add(wi);
                }
            }
            for (var e : delta.entrySet()) {
                long q = e.getKey();
                if (q == p || e.getValue() == 0) continue;
                int updated = pairCounts.getOrDefault(q, 0) + e.getValue();
                if (updated <= 0) {
                    pairCounts.remove(q);
                } else {
                    pairCounts.put(q, updated);
                    heap.add(new long[] {updated, q});
                }
            }
        }

        // Corpus exhausted: deterministic synthetic merges (token + one byte) in token order.
        if (vocab.size() < bpeVocabSize) {
            int[] suffixes = syntheticSuffixes();
            outer:
            for (int base = 0; ; base++) {
                String left = vocab.get(base);
                for (int s : suffixes) {
                    if (vocab.size() >= bpeVocabSize) break outer;
                    String right = vocab.get(s);
                    String merged = left + right;
                    if (ids.containsKey(merged) || reserved.contains(merged)) continue;
                    ids.put(merged, vocab.size());
                    vocab.add(merged);
                    merges.add(new String[] {left, right});
                }
            }
        }
        return new Trained(vocab, merges);
    }

    /** Byte ids used as the right half of synthetic merges: letters, digits, space, then the rest of ASCII. */
    private static int[] syntheticSuffixes() {
        List<Integer> order = new ArrayList<>();
        for (int c = 'a'; c <= 'z'; c++) order.add(c);
        for (int c = 'A'; c <= 'Z'; c++) order.add(c);
        for (int c = '0'; c <= '9'; c++) order.add(c);
        order.add((int) ' ');
        for (int c = 0; c < 256; c++) if (!order.contains(c)) order.add(c);
        return order.stream().mapToInt(Integer::intValue).toArray();
    }

    private static long pair(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    // ---------------------------------------------------------------- files

    private static Map<String, Object> tokenizerJson(Trained bpe, Map<String, Integer> added) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        List<Object> addedList = new ArrayList<>();
        for (var t : ADDED_TOKENS) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("id", added.get(t.getKey()));
            a.put("content", t.getKey());
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", t.getValue());
            addedList.add(a);
        }
        root.put("added_tokens", addedList);
        root.put("normalizer", null);
        Map<String, Object> split = new LinkedHashMap<>();
        split.put("type", "Split");
        split.put("pattern", Map.of("Regex", SPLIT_REGEX));
        split.put("behavior", "Isolated");
        split.put("invert", false);
        root.put("pre_tokenizer", Map.of("type", "Sequence", "pretokenizers", List.of(split, byteLevel())));
        root.put("post_processor", byteLevel());
        root.put("decoder", byteLevel());
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", null);
        model.put("continuing_subword_prefix", null);
        model.put("end_of_word_suffix", null);
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int i = 0; i < bpe.vocab.size(); i++) vocab.put(bpe.vocab.get(i), i);
        model.put("vocab", vocab);
        List<String> merges = new ArrayList<>(bpe.merges.size());
        for (String[] mg : bpe.merges) merges.add(mg[0] + " " + mg[1]);
        model.put("merges", merges);
        root.put("model", model);
        return root;
    }

    private static Map<String, Object> byteLevel() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "ByteLevel");
        m.put("add_prefix_space", false);
        m.put("trim_offsets", false);
        m.put("use_regex", false);
        return m;
    }

    private static Map<String, Object> tokenizerConfig(Map<String, Integer> added) {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("add_bos_token", false);
        cfg.put("add_eos_token", false);
        cfg.put("add_prefix_space", false);
        Map<String, Object> decoder = new LinkedHashMap<>();
        for (var t : ADDED_TOKENS) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("content", t.getKey());
            a.put("lstrip", false);
            a.put("normalized", false);
            a.put("rstrip", false);
            a.put("single_word", false);
            a.put("special", t.getValue());
            decoder.put(String.valueOf(added.get(t.getKey())), a);
        }
        cfg.put("added_tokens_decoder", decoder);
        cfg.put("additional_special_tokens", List.of(IM_START, IM_END));
        cfg.put("bos_token", null);
        cfg.put("chat_template", chatTemplate());
        cfg.put("clean_up_tokenization_spaces", false);
        cfg.put("eos_token", IM_END);
        cfg.put("errors", "replace");
        cfg.put("model_max_length", MODEL_MAX_LENGTH);
        cfg.put("pad_token", END_OF_TEXT);
        cfg.put("split_special_tokens", false);
        cfg.put("tokenizer_class", "PreTrainedTokenizerFast");
        cfg.put("unk_token", null);
        return cfg;
    }
}
