package io.djinn.checkpoint;

import io.djinn.model.Architecture;
import io.djinn.model.ModelConfig;
import java.util.Locale;

/**
 * The shape of a checkpoint Djinn generates: architecture, sizes, tokenizer vocabulary, weight dtype and seed.
 *
 * @param weightDtype   F32, F16 or BF16, as written to the safetensors file
 * @param maxShardBytes split model.safetensors into shards of at most this size (0 = one file)
 */
public record CheckpointSpec(Architecture architecture, int vocabSize, int hiddenSize, int intermediateSize,
        int numLayers, int numHeads, int numKvHeads, int headDim, int maxPositionEmbeddings, boolean tieWordEmbeddings,
        boolean llama3RopeScaling, int slidingWindow, String weightDtype, long seed, long maxShardBytes) {

    /** The default checkpoint: small enough to generate and load in a second, real enough to exercise GQA. */
    public static CheckpointSpec tiny(Architecture arch) {
        return new CheckpointSpec(arch, 1024, 64, 160, 2, 4, 2, 16, 4096, arch == Architecture.QWEN3, false, 0, "F32",
                42L, 0);
    }

    /** SmolLM-135M's shape (hidden 576, 30 layers, 9 heads, 3 KV heads, intermediate 1536, vocab 49152, tied). */
    public static CheckpointSpec smolLm135m(Architecture arch) {
        return new CheckpointSpec(arch, 49152, 576, 1536, 30, 9, 3, 64, 2048, true, false, 0, "F32", 42L, 0);
    }

    public static CheckpointSpec preset(String name, Architecture arch) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny" -> tiny(arch);
            case "smollm-135m", "smollm" -> smolLm135m(arch);
            default -> throw new IllegalArgumentException("unknown preset '" + name + "' (tiny, smollm-135m)");
        };
    }

    public CheckpointSpec withVocabSize(int v) {
        return new CheckpointSpec(architecture, v, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads,
                headDim, maxPositionEmbeddings, tieWordEmbeddings, llama3RopeScaling, slidingWindow, weightDtype, seed,
                maxShardBytes);
    }

    public CheckpointSpec withWeights(String dtype, long seed, long maxShardBytes) {
        return new CheckpointSpec(architecture, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads,
                numKvHeads, headDim, maxPositionEmbeddings, tieWordEmbeddings, llama3RopeScaling, slidingWindow,
                dtype.toUpperCase(Locale.ROOT), seed, maxShardBytes);
    }

    public CheckpointSpec withLayers(int layers) {
        return new CheckpointSpec(architecture, vocabSize, hiddenSize, intermediateSize, layers, numHeads, numKvHeads,
                headDim, maxPositionEmbeddings, tieWordEmbeddings, llama3RopeScaling, slidingWindow, weightDtype, seed,
                maxShardBytes);
    }

    /** The model config for a tokenizer of {@code vocab} entries. */
    public ModelConfig modelConfig(int vocab) {
        ModelConfig.RopeScaling scaling = llama3RopeScaling ? new ModelConfig.RopeScaling(8.0, 1.0, 4.0, 256) : null;
        String torchDtype = switch (weightDtype) {
            case "F16" -> "float16";
            case "BF16" -> "bfloat16";
            default -> "float32";
        };
        return new ModelConfig(architecture, vocab, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads,
                headDim, architecture == Architecture.LLAMA ? 500000.0 : 10000.0, scaling, 1e-6,
                maxPositionEmbeddings, tieWordEmbeddings, slidingWindow, torchDtype);
    }
}
