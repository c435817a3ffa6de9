package io.djinn;

import io.djinn.checkpoint.CheckpointGenerator;
import io.djinn.checkpoint.CheckpointSpec;
import io.djinn.config.DjinnConfig;
import io.djinn.model.Architecture;
import io.djinn.serving.CheckpointSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * {@code djinn.model.path} when set; otherwise the small Llama checkpoint generated once into
 * {@code djinn.model.cache-dir}, so the server runs out of the box with nothing downloaded.
 */
@ApplicationScoped
public class CheckpointLocation implements CheckpointSource {
    private static final Logger LOG = Logger.getLogger(CheckpointLocation.class);
    /** Folder name of the generated default checkpoint under djinn.model.cache-dir. */
    static final String DEFAULT_CHECKPOINT = "djinn-tiny-llama";

    private final DjinnConfig config;

    public CheckpointLocation(DjinnConfig config) {
        this.config = config;
    }

    @Override
    public Path checkpointFolder() throws Exception {
        if (config.model().path().isPresent()) {
            Path p = Path.of(config.model().path().get());
            if (!Files.isDirectory(p)) {
                throw new IllegalStateException("djinn.model.path " + p + " is not a directory");
            }
            return p;
        }
        Path dir = Path.of(config.model().cacheDir()).resolve(DEFAULT_CHECKPOINT);
        if (!Files.exists(dir.resolve("config.json"))) {
            LOG.infof("No djinn.model.path configured: generating the default checkpoint into %s", dir);
            CheckpointGenerator.generate(CheckpointSpec.tiny(Architecture.LLAMA), dir);
        }
        return dir;
    }
}
