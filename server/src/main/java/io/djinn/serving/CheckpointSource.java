package io.djinn.serving;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Where the checkpoint folder to serve comes from ({@code djinn.model.path}: a folder or a Hugging Face repository
 * id; or one made for the default run). The start-up code provides it, so serving does not depend on how a folder is
 * generated or fetched.
 */
public interface CheckpointSource {

    /**
     * The checkpoint to serve; may take long (generation, download). {@code status} hears what it is doing, a
     * download's progress for instance, which the not-ready answers pass on.
     */
    Checkpoint checkpoint(Consumer<String> status) throws Exception;

    /**
     * @param folder  holds config.json, the tokenizer and the weights
     * @param modelId the id served unless {@code djinn.model.name} says otherwise: the repository id for a model
     *                from the Hub (as vLLM serves {@code org/name}), else the folder's name
     */
    record Checkpoint(Path folder, String modelId) {}
}
