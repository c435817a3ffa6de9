package io.djinn.hub;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the Hub's model API says about one revision: the commit it resolves to and the files at that commit.
 *
 * @param commit the 40-hex commit sha
 * @param files  by path in the repository ({@code rfilename})
 */
record RepoInfo(String commit, Map<String, RepoFile> files) {

    /**
     * One file of the listing, with the metadata {@code ?blobs=true} adds.
     *
     * @param size   bytes of the file itself (for an LFS file, of its content, not of the pointer)
     * @param blobId the git blob id: the ETag the Hub sends for a file kept in git
     * @param sha256 for a file kept in LFS: the sha256 of its content, which is also its ETag
     */
    record RepoFile(String name, OptionalLong size, Optional<String> blobId, Optional<String> sha256) {

        /** The name huggingface_hub gives this file's blob: the LFS sha256, else the git blob id. */
        Optional<String> etag() {
            return sha256.or(() -> blobId);
        }
    }
}
