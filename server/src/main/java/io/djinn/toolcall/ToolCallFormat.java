package io.djinn.toolcall;

import java.util.Locale;
import java.util.Optional;

/** How a model family writes tool calls in its output. Names are vLLM's {@code --tool-call-parser} names. */
public enum ToolCallFormat {
    /** Qwen 2.5/3, Hermes, the generated checkpoint: {@code <tool_call>\n{...}\n</tool_call>} blocks. */
    HERMES("hermes", new ToolCallSyntax("", "<tool_call>\n", "name", "arguments", "\n</tool_call>", "\n", "")),
    /** Llama 3.1/3.2/3.3: a bare JSON object per call, {@code ; } between calls. */
    LLAMA3_JSON("llama3_json", new ToolCallSyntax("", "", "name", "parameters", "", "; ", "")),
    /**
     * Mistral: {@code [TOOL_CALLS]} and a JSON array of calls. The marker is a special token in Mistral's tokenizers:
     * the engine must keep it in the decoded text (vLLM turns skip_special_tokens off for this format).
     */
    MISTRAL("mistral", new ToolCallSyntax("[TOOL_CALLS][", "", "name", "arguments", "", ", ", "]"));

    private final String configName;
    private final ToolCallSyntax syntax;

    ToolCallFormat(String configName, ToolCallSyntax syntax) {
        this.configName = configName;
        this.syntax = syntax;
    }

    /** The name used in configuration ("hermes", "llama3_json", "mistral"). */
    public String configName() {
        return configName;
    }

    /** The exact text a forced call must take in this format (for constrained decoding). */
    public ToolCallSyntax syntax() {
        return syntax;
    }

    /** The format named in configuration, case-insensitively (also accepts the enum constant's name). */
    public static ToolCallFormat fromName(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (ToolCallFormat format : values()) {
            if (format.configName.equals(wanted) || format.name().toLowerCase(Locale.ROOT).equals(wanted)) {
                return format;
            }
        }
        throw new IllegalArgumentException("unknown tool call format '" + name + "' (known: hermes, llama3_json, "
                + "mistral)");
    }

    /**
     * The format configured as {@code djinn.model.tool-call-format}: {@code auto} detects it from the chat template
     * ({@link #detect}), {@code none} turns parsing off (empty), anything else is a format's name ({@link #fromName}).
     */
    public static Optional<ToolCallFormat> resolve(String configured, String chatTemplate) {
        String value = configured.trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "auto" -> detect(chatTemplate);
            case "none" -> Optional.empty();
            default -> Optional.of(fromName(value));
        };
    }

    /**
     * The format a chat template teaches its model, judged from the template's source text; empty when it shows
     * none (then tool calls are not parsed). The markers are tested first, because they are unambiguous:
     * {@code <tool_call>} is Hermes, {@code [TOOL_CALLS]} is Mistral. Llama 3.x templates have no call marker; they
     * are recognised by {@code <|python_tag|>} (3.1, 3.3), by the {@code ipython} role (3.1 to 3.3), or by the
     * instruction to answer with a {@code "name"}/{@code "parameters"} object (all of them, and fine-tunes that keep
     * only that sentence). A template that merely mentions "name" in other JSON does not qualify: it needs
     * "parameters" too.
     */
    public static Optional<ToolCallFormat> detect(String chatTemplate) {
        if (chatTemplate == null) {
            return Optional.empty();
        }
        if (chatTemplate.contains(HermesToolCallParser.OPEN)) {
            return Optional.of(HERMES);
        }
        if (chatTemplate.contains(MistralToolCallParser.MARKER)) {
            return Optional.of(MISTRAL);
        }
        if (chatTemplate.contains(Llama3JsonToolCallParser.PYTHON_TAG) || chatTemplate.contains("ipython")
                || chatTemplate.contains("\"name\"") && chatTemplate.contains("\"parameters\"")) {
            return Optional.of(LLAMA3_JSON);
        }
        return Optional.empty();
    }
}
