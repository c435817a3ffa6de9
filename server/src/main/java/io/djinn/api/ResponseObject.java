package io.djinn.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A response of {@code /v1/responses} ({@code object = "response"}), with the request's settings echoed as OpenAI
 * does. {@code output} holds {@code reasoning}, {@code message} and {@code function_call} items in the order the
 * model produced them.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ResponseObject(String id, String object, @JsonProperty("created_at") long createdAt, String status,
        JsonNode error, @JsonProperty("incomplete_details") IncompleteDetails incompleteDetails, String instructions,
        @JsonProperty("max_output_tokens") Integer maxOutputTokens, String model, List<JsonNode> output,
        @JsonProperty("parallel_tool_calls") boolean parallelToolCalls,
        @JsonProperty("previous_response_id") String previousResponseId, Reasoning reasoning,
        @JsonProperty("service_tier") String serviceTier, boolean store, double temperature, Text text,
        @JsonProperty("tool_choice") JsonNode toolChoice, List<JsonNode> tools, @JsonProperty("top_p") double topP,
        String truncation, ResponseUsage usage, String user, Map<String, String> metadata) {

    public record IncompleteDetails(String reason) {}

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Reasoning(String effort, String summary) {}

    public record Text(JsonNode format) {}

    public record ResponseUsage(@JsonProperty("input_tokens") int inputTokens,
            @JsonProperty("input_tokens_details") InputDetails inputTokensDetails,
            @JsonProperty("output_tokens") int outputTokens,
            @JsonProperty("output_tokens_details") OutputDetails outputTokensDetails,
            @JsonProperty("total_tokens") int totalTokens) {

        /** {@code cache_write_tokens}: always 0, prefix-cache writes are not billed apart from input. */
        public record InputDetails(@JsonProperty("cached_tokens") int cachedTokens,
                @JsonProperty("cache_write_tokens") int cacheWriteTokens) {}

        public record OutputDetails(@JsonProperty("reasoning_tokens") int reasoningTokens) {}

        static ResponseUsage of(int input, int cached, int output, int reasoning) {
            return new ResponseUsage(input, new InputDetails(cached, 0), output, new OutputDetails(reasoning),
                    input + output);
        }
    }

    ResponseObject with(String status, IncompleteDetails incomplete, List<JsonNode> output, ResponseUsage usage) {
        return new ResponseObject(id, object, createdAt, status, error, incomplete, instructions, maxOutputTokens,
                model, output, parallelToolCalls, previousResponseId, reasoning, serviceTier, store, temperature, text,
                toolChoice, tools, topP, truncation, usage, user, metadata);
    }
}
