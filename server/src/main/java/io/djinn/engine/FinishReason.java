package io.djinn.engine;

/** Why a sequence stopped, in the words of the OpenAI API. */
public enum FinishReason {
    /** A stop token (EOS) was generated. */
    STOP("stop"),
    /** max_tokens or the context window was reached. */
    LENGTH("length"),
    /** The client went away or cancelled; nobody reads this reason. */
    ABORT("abort");

    private final String apiName;

    FinishReason(String apiName) {
        this.apiName = apiName;
    }

    public String apiName() {
        return apiName;
    }
}
