package io.djinn.responses;

import io.smallrye.mutiny.Uni;
import java.util.Optional;

/** Where stored responses live: Redis when configured (any replica continues a conversation), else memory. */
public interface ResponseStore {

    Uni<Void> save(String id, StoredResponse response);

    Uni<Optional<StoredResponse>> find(String id);

    /** @return whether it was there */
    Uni<Boolean> delete(String id);
}
