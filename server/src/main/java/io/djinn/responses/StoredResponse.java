package io.djinn.responses;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One stored {@code /v1/responses} answer.
 *
 * @param owner        the key id that created it; no other key sees it
 * @param response     the response object as it was returned
 * @param input        this request's own input items (what {@code input_items} lists)
 * @param conversation every item the model saw before this response's output: the items of the responses it
 *                     continues, then {@code input} ({@code instructions} are not carried over, as OpenAI documents)
 */
public record StoredResponse(String owner, JsonNode response, List<JsonNode> input, List<JsonNode> conversation) {

    public StoredResponse {
        input = List.copyOf(input);
        conversation = List.copyOf(conversation);
    }
}
