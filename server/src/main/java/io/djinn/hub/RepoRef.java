package io.djinn.hub;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A model repository on the Hugging Face Hub and the revision asked for: {@code org/name} or {@code org/name@rev},
 * where the revision is a branch, a tag or a commit sha.
 *
 * @param repoId   {@code org/name}
 * @param revision branch, tag or 40-hex commit
 */
public record RepoRef(String repoId, String revision) {

    public static final String DEFAULT_REVISION = "main";
    /** huggingface_hub's rule for a name part: word characters, '-', '.', at most 96, no "--" or "..". */
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    public RepoRef {
        if (revision == null || revision.isBlank()) {
            throw new IllegalArgumentException("empty revision for " + repoId);
        }
    }

    /**
     * The repository a {@code djinn.model.path} value names, when it has the form {@code org/name[@revision]};
     * empty for anything else (a path such as {@code /models/x} or {@code ./x}). Which one a value means when a
     * folder of that name also exists is the caller's decision: an existing folder wins.
     */
    public static Optional<RepoRef> parse(String value, String defaultRevision) {
        String v = value.trim();
        String revision = defaultRevision;
        int at = v.indexOf('@');
        if (at >= 0) {
            revision = v.substring(at + 1);
            v = v.substring(0, at);
            if (revision.isBlank()) {
                return Optional.empty();
            }
        }
        String[] parts = v.split("/", -1);
        if (parts.length != 2) {
            return Optional.empty();
        }
        for (String p : parts) {
            if (!PART.matcher(p).matches() || p.contains("--") || p.contains("..")) {
                return Optional.empty();
            }
        }
        return Optional.of(new RepoRef(v, revision));
    }

    /** Whether the revision is a full commit sha (immutable: its snapshot never needs the network once cached). */
    public boolean pinned() {
        return isCommit(revision);
    }

    static boolean isCommit(String s) {
        return COMMIT.matcher(s).matches();
    }

    /** The repository's folder in the hub cache, as huggingface_hub names it: {@code models--org--name}. */
    public String cacheFolderName() {
        return "models--" + repoId.replace("/", "--");
    }

    @Override
    public String toString() {
        return repoId + "@" + revision;
    }
}
