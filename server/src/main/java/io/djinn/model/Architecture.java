package io.djinn.model;

import java.util.Arrays;
import java.util.Optional;

/** The Hugging Face {@code architectures[0]} names Djinn can run, and what each adds to the Llama block. */
public enum Architecture {
    LLAMA("LlamaForCausalLM", "llama", false, false),
    MISTRAL("MistralForCausalLM", "mistral", false, false),
    /** Qwen2 adds biases to the q, k and v projections. */
    QWEN2("Qwen2ForCausalLM", "qwen2", true, false),
    /** Qwen3 normalises q and k per head (RMSNorm over head_dim) before rotary embeddings. */
    QWEN3("Qwen3ForCausalLM", "qwen3", false, true);

    private final String hfName;
    private final String modelType;
    private final boolean qkvBias;
    private final boolean qkNorm;

    Architecture(String hfName, String modelType, boolean qkvBias, boolean qkNorm) {
        this.hfName = hfName;
        this.modelType = modelType;
        this.qkvBias = qkvBias;
        this.qkNorm = qkNorm;
    }

    public String hfName() { return hfName; }

    public String modelType() { return modelType; }

    public boolean qkvBias() { return qkvBias; }

    public boolean qkNorm() { return qkNorm; }

    public static Optional<Architecture> fromHfName(String name) {
        return Arrays.stream(values()).filter(a -> a.hfName.equals(name)).findFirst();
    }

    /** Accepts the HF class name or the short model type ("llama", "qwen3", ...), case-insensitively. */
    public static Optional<Architecture> parse(String name) {
        return Arrays.stream(values())
                .filter(a -> a.hfName.equalsIgnoreCase(name) || a.modelType.equalsIgnoreCase(name)
                        || a.name().equalsIgnoreCase(name))
                .findFirst();
    }
}
