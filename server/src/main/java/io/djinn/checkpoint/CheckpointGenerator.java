package io.djinn.checkpoint;

import io.djinn.engine.GenerationConfig;
import io.djinn.model.ModelConfig;
import io.djinn.model.TensorDtype;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes a complete Hugging Face checkpoint folder: config.json, generation_config.json, model.safetensors (or
 * shards with an index), tokenizer.json and tokenizer_config.json with a chat template. Weights are deterministic
 * random numbers from the spec's seed, so the same spec always gives the same bytes.
 */
public final class CheckpointGenerator {

    private CheckpointGenerator() {}

    public static void generate(CheckpointSpec spec, Path dir) throws IOException {
        // Written into a sibling folder and moved into place, so a crash never leaves a half checkpoint behind
        // that a later start would trust.
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, dir.getFileName() + ".tmp");
        try {
            TokenizerGenerator.Result tok = TokenizerGenerator.write(tmp, spec.vocabSize());
            ModelConfig config = spec.modelConfig(tok.vocabSize());
            config.write(tmp, tok.bosId(), tok.eosId());
            new GenerationConfig(new int[] {tok.eosId(), tok.endOfTextId()}, tok.bosId(), null, null, null)
                    .write(tmp);
            WeightGenerator.write(config, spec.seed(), TensorDtype.valueOf(spec.weightDtype()), spec.maxShardBytes(), tmp);
            if (Files.exists(dir)) {
                deleteRecursively(dir);
            }
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            if (Files.exists(tmp)) {
                deleteRecursively(tmp);
            }
        }
    }

    public static void deleteRecursively(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
