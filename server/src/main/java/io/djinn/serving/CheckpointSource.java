package io.djinn.serving;

import java.nio.file.Path;

/**
 * Where the checkpoint folder to serve comes from ({@code djinn.model.path}, or one made for the default run). The
 * start-up code provides it, so serving does not depend on how a folder is generated or fetched.
 */
public interface CheckpointSource {
    /** The folder holding config.json, the tokenizer and the weights; may take long (generation, download). */
    Path checkpointFolder() throws Exception;
}
