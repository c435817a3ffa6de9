package io.djinn.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which files of a repository make a checkpoint Djinn serves: config, generation config, tokenizer files and the
 * safetensors weights (one file, or the shards {@code model.safetensors.index.json} lists). Everything else in the
 * repository (other weight formats, READMEs, ONNX exports, original checkpoints) is left on the Hub.
 */
final class CheckpointFiles {

    static final String CONFIG = "config.json";
    static final String TOKENIZER = "tokenizer.json";
    static final String SINGLE_WEIGHTS = "model.safetensors";
    static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    /** Fetched when the repository has them. */
    static final List<String> OPTIONAL = List.of("generation_config.json", "tokenizer_config.json",
            "special_tokens_map.json", "chat_template.jinja", "chat_template.json");
    /** Weight formats that unpickle (and so may run code) when loaded: never fetched, never loaded. */
    private static final List<String> PICKLE_SUFFIXES = List.of(".bin", ".pt", ".pth", ".ckpt", ".pkl");
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointFiles() {}

    /**
     * The files to fetch before the weight shards are known: config, tokenizer files, and either the single weights
     * file or the shard index. Fails, naming the repository, when it has no config, no tokenizer.json or no
     * safetensors weights.
     */
    static List<String> firstFiles(RepoRef ref, RepoInfo info) throws HubException {
        Map<String, RepoInfo.RepoFile> files = info.files();
        if (!files.containsKey(CONFIG)) {
            throw new HubException(ref.repoId() + " at " + ref.revision() + " has no config.json: not a transformers "
                    + "model checkpoint (files: " + sample(files) + ")");
        }
        String weights = files.containsKey(WEIGHTS_INDEX) ? WEIGHTS_INDEX
                : files.containsKey(SINGLE_WEIGHTS) ? SINGLE_WEIGHTS : null;
        if (weights == null) {
            throw new HubException(noSafetensors(ref, files));
        }
        if (!files.containsKey(TOKENIZER)) {
            throw new HubException(ref.repoId() + " at " + ref.revision() + " has no tokenizer.json (Djinn reads the "
                    + "fast tokenizer file; a repository with only tokenizer.model or vocab files cannot be served)");
        }
        List<String> out = new ArrayList<>(List.of(CONFIG, TOKENIZER, weights));
        OPTIONAL.stream().filter(files::containsKey).forEach(out::add);
        return out;
    }

    /** The shard files an index lists, each of which must be in the repository's listing. */
    static List<String> shards(RepoRef ref, RepoInfo info, Path index) throws IOException {
        List<String> out = new ArrayList<>();
        for (String shard : indexShards(index)) {
            if (!info.files().containsKey(shard)) {
                throw new HubException(ref.repoId() + ": " + WEIGHTS_INDEX + " lists " + shard
                        + ", which the repository does not have at commit " + info.commit());
            }
            out.add(shard);
        }
        return out;
    }

    /**
     * What a snapshot folder still lacks to be served: config, tokenizer and every weights file. Empty when it is
     * complete. Used for caches Djinn did not just verify (offline, or the Hub unreachable).
     */
    static List<String> missing(Path dir) throws IOException {
        List<String> missing = new ArrayList<>();
        for (String f : List.of(CONFIG, TOKENIZER)) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                missing.add(f);
            }
        }
        Path index = dir.resolve(WEIGHTS_INDEX);
        if (Files.isRegularFile(index)) {
            for (String shard : indexShards(index)) {
                if (!Files.isRegularFile(dir.resolve(shard))) {
                    missing.add(shard);
                }
            }
        } else if (!Files.isRegularFile(dir.resolve(SINGLE_WEIGHTS))) {
            missing.add(SINGLE_WEIGHTS + " (or " + WEIGHTS_INDEX + " and its shards)");
        }
        return missing;
    }

    private static List<String> indexShards(Path index) throws IOException {
        JsonNode map;
        try {
            map = JSON.readTree(index.toFile()).path("weight_map");
        } catch (IOException e) {
            throw new HubException(index + ": unreadable safetensors index: " + e.getMessage(), e);
        }
        if (!map.isObject() || map.isEmpty()) {
            throw new HubException(index + ": safetensors index without a weight_map");
        }
        TreeSet<String> shards = new TreeSet<>();
        map.forEach(v -> shards.add(v.asText()));
        return List.copyOf(shards);
    }

    private static String noSafetensors(RepoRef ref, Map<String, RepoInfo.RepoFile> files) {
        List<String> pickles = files.keySet().stream()
                .filter(f -> PICKLE_SUFFIXES.stream().anyMatch(s -> f.toLowerCase(Locale.ROOT).endsWith(s)))
                .sorted().toList();
        List<String> otherSafetensors = files.keySet().stream().filter(f -> f.endsWith(".safetensors")).sorted()
                .toList();
        if (!pickles.isEmpty()) {
            return ref.repoId() + " at " + ref.revision() + " has no model.safetensors weights, only " + pickles
                    + ". Djinn loads safetensors only: pickled PyTorch files (.bin, .pt) can run code when loaded. "
                    + "Use a revision with safetensors weights (the Hub's conversion bot often has one as a pull "
                    + "request: djinn.model.path=" + ref.repoId() + "@refs/pr/N) or convert the checkpoint yourself.";
        }
        return ref.repoId() + " at " + ref.revision() + " has neither " + SINGLE_WEIGHTS + " nor " + WEIGHTS_INDEX
                + (otherSafetensors.isEmpty() ? "" : " (it has " + otherSafetensors + ", not in transformers' layout)");
    }

    private static String sample(Map<String, RepoInfo.RepoFile> files) {
        List<String> names = files.keySet().stream().sorted().limit(8).toList();
        return names + (files.size() > names.size() ? " and " + (files.size() - names.size()) + " more" : "");
    }
}
