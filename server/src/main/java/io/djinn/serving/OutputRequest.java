package io.djinn.serving;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The fields by which a generating request (chat completions now; responses and completions alike) asks for the
 * shape of its output, in OpenAI's and vLLM's spelling. A request record implements it by having these
 * components; {@link OutputShaping#plan} reads them. Null means not sent.
 */
public interface OutputRequest {
    JsonNode responseFormat();

    JsonNode structuredOutputs();

    JsonNode guidedJson();

    String guidedRegex();

    List<String> guidedChoice();

    List<JsonNode> tools();

    JsonNode toolChoice();

    Boolean parallelToolCalls();

    Integer thinkingTokenBudget();

    String reasoningEffort();

    Boolean includeReasoning();
}
