package io.djinn.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.djinn.model.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code generation_config.json}: the EOS ids that end a sequence and the model's default sampling values
 * (which, as in vLLM, apply when a request leaves them out).
 */
public record GenerationConfig(int[] eosTokenIds, Integer bosTokenId, Double temperature, Double topP, Integer topK) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads generation_config.json, falling back to config.json's eos_token_id when the file is absent. */
    public static GenerationConfig read(Path modelDir) {
        Path file = modelDir.resolve("generation_config.json");
        Path source = Files.exists(file) ? file : modelDir.resolve("config.json");
        JsonNode n;
        try {
            n = JSON.readTree(source.toFile());
        } catch (IOException e) {
            throw new ModelLoadException(source + ": cannot read: " + e.getMessage(), e);
        }
        List<Integer> eos = new ArrayList<>();
        JsonNode e = n.path("eos_token_id");
        if (e.isArray()) {
            e.forEach(x -> eos.add(x.asInt()));
        } else if (e.canConvertToInt()) {
            eos.add(e.asInt());
        }
        return new GenerationConfig(eos.stream().mapToInt(Integer::intValue).toArray(),
                n.path("bos_token_id").canConvertToInt() ? n.get("bos_token_id").asInt() : null,
                n.path("temperature").isNumber() ? n.get("temperature").asDouble() : null,
                n.path("top_p").isNumber() ? n.get("top_p").asDouble() : null,
                n.path("top_k").canConvertToInt() ? n.get("top_k").asInt() : null);
    }

    public void write(Path modelDir) throws IOException {
        var n = JSON.createObjectNode();
        if (bosTokenId != null) {
            n.put("bos_token_id", bosTokenId);
        }
        var arr = n.putArray("eos_token_id");
        for (int id : eosTokenIds) {
            arr.add(id);
        }
        if (temperature != null) {
            n.put("temperature", temperature);
        }
        if (topP != null) {
            n.put("top_p", topP);
        }
        if (topK != null) {
            n.put("top_k", topK);
        }
        n.put("do_sample", temperature != null && temperature > 0);
        Files.writeString(modelDir.resolve("generation_config.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
    }
}
