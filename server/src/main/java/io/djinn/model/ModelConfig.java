package io.djinn.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The subset of a Hugging Face {@code config.json} that defines a Llama-family decoder.
 *
 * @param headDim        per-head width; {@code hidden_size / num_attention_heads} unless config.json says otherwise
 * @param slidingWindow  attention window in positions (Mistral), or 0 for full attention
 * @param ropeScaling    Llama 3 frequency scaling, or null
 */
public record ModelConfig(
        Architecture architecture,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        double ropeTheta,
        RopeScaling ropeScaling,
        double rmsNormEps,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        int slidingWindow,
        String torchDtype) {

    /** {@code rope_scaling} with {@code rope_type: "llama3"}. */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor,
            int originalMaxPositionEmbeddings) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelConfig {
        if (numAttentionHeads <= 0 || numKeyValueHeads <= 0 || numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numAttentionHeads
                    + ") must be a positive multiple of num_key_value_heads (" + numKeyValueHeads + ")");
        }
    }

    /** Query heads per key/value head (grouped-query attention). */
    public int groupSize() {
        return numAttentionHeads / numKeyValueHeads;
    }

    public static ModelConfig read(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot read model config: " + e.getMessage(), e);
        }
        return fromJson(n, file);
    }

    static ModelConfig fromJson(JsonNode n, Path file) {
        JsonNode archs = n.path("architectures");
        String archName = archs.isArray() && !archs.isEmpty() ? archs.get(0).asText() : n.path("model_type").asText();
        Architecture arch = Architecture.fromHfName(archName).or(() -> Architecture.parse(archName))
                .orElseThrow(() -> new ModelLoadException(file + ": unsupported architecture '" + archName
                        + "'; supported: " + Stream.of(Architecture.values()).map(Architecture::hfName)
                                .collect(Collectors.joining(", "))));
        int hidden = required(n, "hidden_size", file);
        int heads = required(n, "num_attention_heads", file);
        int kvHeads = n.path("num_key_value_heads").asInt(heads);
        int headDim = n.hasNonNull("head_dim") ? n.get("head_dim").asInt() : hidden / heads;
        RopeScaling scaling = null;
        JsonNode rs = n.path("rope_scaling");
        if (rs.isObject()) {
            String type = rs.path("rope_type").asText(rs.path("type").asText(""));
            if (!type.equals("llama3") && !type.equals("default")) {
                throw new ModelLoadException(file + ": rope_scaling type '" + type + "' is not supported (llama3 is)");
            }
            if (type.equals("llama3")) {
                scaling = new RopeScaling(rs.path("factor").asDouble(8.0), rs.path("low_freq_factor").asDouble(1.0),
                        rs.path("high_freq_factor").asDouble(4.0),
                        rs.path("original_max_position_embeddings").asInt(8192));
            }
        }
        int window = n.path("use_sliding_window").asBoolean(arch == Architecture.MISTRAL)
                ? n.path("sliding_window").asInt(0) : 0;
        try {
            return new ModelConfig(arch, required(n, "vocab_size", file), hidden,
                    required(n, "intermediate_size", file), required(n, "num_hidden_layers", file), heads, kvHeads,
                    headDim, n.path("rope_theta").asDouble(10000.0), scaling, n.path("rms_norm_eps").asDouble(1e-6),
                    n.path("max_position_embeddings").asInt(2048), n.path("tie_word_embeddings").asBoolean(false),
                    window, n.path("torch_dtype").asText(n.path("dtype").asText("float32")));
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(file + ": " + e.getMessage(), e);
        }
    }

    private static int required(JsonNode n, String field, Path file) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new ModelLoadException(file + ": missing or invalid integer field '" + field + "'");
        }
        return v.asInt();
    }

    /** The config.json a Hugging Face checkpoint of this shape carries. */
    public ObjectNode toJson(int bosTokenId, int eosTokenId) {
        ObjectNode n = JSON.createObjectNode();
        ArrayNode archs = n.putArray("architectures");
        archs.add(architecture.hfName());
        n.put("model_type", architecture.modelType());
        n.put("vocab_size", vocabSize);
        n.put("hidden_size", hiddenSize);
        n.put("intermediate_size", intermediateSize);
        n.put("num_hidden_layers", numHiddenLayers);
        n.put("num_attention_heads", numAttentionHeads);
        n.put("num_key_value_heads", numKeyValueHeads);
        n.put("head_dim", headDim);
        n.put("hidden_act", "silu");
        n.put("rope_theta", ropeTheta);
        if (ropeScaling != null) {
            ObjectNode rs = n.putObject("rope_scaling");
            rs.put("rope_type", "llama3");
            rs.put("factor", ropeScaling.factor());
            rs.put("low_freq_factor", ropeScaling.lowFreqFactor());
            rs.put("high_freq_factor", ropeScaling.highFreqFactor());
            rs.put("original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings());
        } else {
            n.putNull("rope_scaling");
        }
        n.put("rms_norm_eps", rmsNormEps);
        n.put("max_position_embeddings", maxPositionEmbeddings);
        n.put("tie_word_embeddings", tieWordEmbeddings);
        if (architecture == Architecture.MISTRAL || slidingWindow > 0) {
            if (slidingWindow > 0) {
                n.put("sliding_window", slidingWindow);
            } else {
                n.putNull("sliding_window");
            }
        }
        if (architecture == Architecture.QWEN2) {
            n.put("attention_bias", true);
        }
        n.put("bos_token_id", bosTokenId);
        n.put("eos_token_id", eosTokenId);
        n.put("torch_dtype", torchDtype);
        return n;
    }

    public void write(Path modelDir, int bosTokenId, int eosTokenId) throws IOException {
        Files.writeString(modelDir.resolve("config.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(bosTokenId, eosTokenId)));
    }
}
