package io.djinn;

import io.djinn.checkpoint.CheckpointGenerator;
import io.djinn.checkpoint.CheckpointSpec;
import io.djinn.config.DjinnConfig;
import io.djinn.hub.HubCheckpoints;
import io.djinn.hub.HubSettings;
import io.djinn.hub.RepoRef;
import io.djinn.model.Architecture;
import io.djinn.serving.CheckpointSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * {@code djinn.model.path} when set: a checkpoint folder, or a Hugging Face repository id fetched into the hub cache
 * ({@link HubCheckpoints}); otherwise the small Llama checkpoint generated once into {@code djinn.model.cache-dir},
 * so the server runs out of the box with nothing downloaded.
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
    public Checkpoint checkpoint(Consumer<String> status) throws Exception {
        DjinnConfig.Model m = config.model();
        if (m.path().isPresent()) {
            HubSettings hub = hubSettings(m);
            Optional<RepoRef> repo = HubCheckpoints.repository(m.path().get(), hub);
            if (repo.isPresent()) {
                status.accept("resolving " + repo.get() + " on the Hugging Face Hub");
            } else if (m.revision().isPresent()) {
                throw new IllegalArgumentException("djinn.model.revision is set but djinn.model.path " + m.path().get()
                        + " is a folder, not a Hugging Face repository id");
            } else {
                unusedHubSettings(m);
            }
            Path dir = HubCheckpoints.resolve(m.path().get(), hub, s -> status.accept(s.describe()));
            return new Checkpoint(dir, repo.map(RepoRef::repoId).orElse(dir.getFileName().toString()));
        }
        if (m.revision().isPresent()) {
            throw new IllegalArgumentException("djinn.model.revision is set but djinn.model.path is not: name the "
                    + "repository (org/name) in djinn.model.path");
        }
        unusedHubSettings(m);
        Path dir = Path.of(m.cacheDir()).resolve(DEFAULT_CHECKPOINT);
        if (!Files.exists(dir.resolve("config.json"))) {
            LOG.infof("No djinn.model.path configured: generating the default checkpoint into %s", dir);
            status.accept("generating the default checkpoint");
            CheckpointGenerator.generate(CheckpointSpec.tiny(Architecture.LLAMA), dir);
        }
        return new Checkpoint(dir, DEFAULT_CHECKPOINT);
    }

    /** Hub settings apply to repository ids only: said once rather than ignored. */
    private static void unusedHubSettings(DjinnConfig.Model m) {
        List<String> set = new ArrayList<>();
        m.hfToken().ifPresent(x -> set.add("djinn.model.hf-token"));
        m.hubCache().ifPresent(x -> set.add("djinn.model.hub-cache"));
        m.hubEndpoint().ifPresent(x -> set.add("djinn.model.hub-endpoint"));
        m.hubOffline().ifPresent(x -> set.add("djinn.model.hub-offline"));
        if (!set.isEmpty()) {
            LOG.warnf("%s not used: djinn.model.path is not a Hugging Face repository id", String.join(", ", set));
        }
    }

    /**
     * Djinn's hub settings over huggingface_hub's environment variables (HF_ENDPOINT, HF_HUB_CACHE, HF_HOME,
     * HF_TOKEN, HF_HUB_OFFLINE, ...): the one place the server reads them.
     */
    static HubSettings hubSettings(DjinnConfig.Model m) {
        return HubSettings.of(m.hubEndpoint(), m.hubCache(), m.hfToken(), m.hubOffline(), m.revision(),
                System.getenv(), Path.of(System.getProperty("user.home")));
    }
}
