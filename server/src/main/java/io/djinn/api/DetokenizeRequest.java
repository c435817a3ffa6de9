package io.djinn.api;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.List;

/** {@code POST /detokenize}: token ids back to text, special tokens included (as vLLM does). */
public record DetokenizeRequest(String model,
        @NotNull(message = "is required") List<@NotNull(message = "must hold token ids")
                @Min(value = 0, message = "must hold token ids") Integer> tokens) {}
