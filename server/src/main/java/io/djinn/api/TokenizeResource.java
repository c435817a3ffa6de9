package io.djinn.api;

import io.djinn.common.ApiDocumentation;
import io.djinn.common.ErrorBody;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.Operation;
import io.djinn.common.ApiException;
import io.djinn.common.Json;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.djinn.serving.ServedModel;
import io.djinn.serving.ModelHost;
import io.djinn.tokenizer.Tokenizer;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /tokenize} and {@code /detokenize} (vLLM's endpoints): clients count tokens, benchmark tools align
 * prompt lengths. Chat messages go through {@link ChatPrompts}, the same code chat completions use, so the count is
 * exactly the {@code usage.prompt_tokens} a completion of the same messages reports.
 */
@Path("/")
@SecurityRequirement(name = ApiDocumentation.CLIENT)
public class TokenizeResource {

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record TokenizeResponse(int count, @JsonProperty("max_model_len") int maxModelLen, int[] tokens,
            @JsonProperty("token_strs") List<String> tokenStrs) {}

    public record DetokenizeResponse(String prompt) {}

    private final ModelHost host;
    private final RequestParser parser;
    private final RequestLimits limits;

    public TokenizeResource(ModelHost host, RequestParser parser, RequestLimits limits) {
        this.host = host;
        this.parser = parser;
        this.limits = limits;
    }

    @POST
    @Path("tokenize")
    @Blocking
    @Operation(summary = "Token ids of a prompt or of chat messages rendered by the chat template (vLLM's /tokenize)")
    @RequestBody(required = true, content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = TokenizeRequest.class)))
    @APIResponse(responseCode = "200", description = "The tokens",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = TokenizeResponse.class)))
    @APIResponse(responseCode = "400", description = "Invalid request",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    public Response tokenize(@Schema(implementation = TokenizeRequest.class) byte[] body) {
        TokenizeRequest req = parser.parse(body, TokenizeRequest.class, tree -> {});
        ServedModel model = model(req.model());
        if ((req.prompt() == null) == (req.messages() == null)) {
            throw ApiException.invalidParam(req.prompt() == null ? "messages" : "prompt",
                    "Send either 'prompt' or 'messages', not both and not neither.");
        }
        int[] tokens;
        if (req.prompt() != null) {
            limits.checkPrompt("prompt", "'prompt'", req.prompt().length());
            if (model.tokenizer().certainlyLongerThan(req.prompt(), model.maxContext())) {
                throw ApiException.badRequest("prompt", "context_length_exceeded", "This model's maximum context "
                        + "length is " + model.maxContext() + " tokens, and the prompt's " + req.prompt().length()
                        + " characters take more than that.");
            }
            tokens = model.tokenizer().encode(req.prompt());
            // vLLM's default for plain prompts: the tokenizer's special tokens (BOS) are added.
            if (!Boolean.FALSE.equals(req.addSpecialTokens())) {
                tokens = ChatPrompts.withBos(tokens, model);
            }
        } else {
            if (req.messages().isEmpty()) {
                throw ApiException.invalidParam("messages", "'messages' must contain at least one message.");
            }
            tokens = ChatPrompts.build(req.promptSpec(), model, limits, true).tokens();
        }
        List<String> strs = null;
        if (Boolean.TRUE.equals(req.returnTokenStrs())) {
            strs = new ArrayList<>(tokens.length);
            for (int t : tokens) {
                strs.add(model.tokenizer().tokenString(t));
            }
        }
        return json(new TokenizeResponse(tokens.length, model.maxContext(), tokens, strs));
    }

    @POST
    @Path("detokenize")
    @Blocking
    @Operation(summary = "The text of token ids (vLLM's /detokenize)")
    @RequestBody(required = true, content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = DetokenizeRequest.class)))
    @APIResponse(responseCode = "200", description = "The text",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(implementation = DetokenizeResponse.class)))
    @APIResponse(responseCode = "400", description = "Invalid request",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    public Response detokenize(@Schema(implementation = DetokenizeRequest.class) byte[] body) {
        DetokenizeRequest req = parser.parse(body, DetokenizeRequest.class, tree -> {});
        ServedModel model = model(req.model());
        Tokenizer tokenizer = model.tokenizer();
        int[] ids = new int[req.tokens().size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = req.tokens().get(i);
            if (ids[i] >= tokenizer.vocabSize() || tokenizer.tokenString(ids[i]) == null) {
                throw ApiException.invalidParam("tokens[" + i + "]", "'tokens[" + i + "]' is " + ids[i]
                        + ", not a token id of this model's vocabulary [0, " + tokenizer.vocabSize() + ").");
            }
        }
        return json(new DetokenizeResponse(tokenizer.decode(ids, false)));
    }

    private ServedModel model(String requested) {
        ServedModel model = host.ready()
                .orElseThrow(() -> ApiException.modelUnavailable(host.failure(), host.loading()));
        if (requested != null && host.find(requested).isEmpty()) {
            throw ApiException.modelNotFound(requested, host.servedNames());
        }
        return model;
    }

    private static Response json(Object value) {
        return Response.ok(Json.write(value), "application/json").build();
    }
}
