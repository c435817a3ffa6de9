package io.djinn.serving;

import io.djinn.engine.TokenConstraint;
import io.djinn.reasoning.ReasoningParser;
import io.djinn.reasoning.ReasoningSyntax;
import io.djinn.reasoning.ThinkingBudget;
import io.djinn.structured.Grammar;
import io.djinn.structured.GrammarConstraint;
import io.djinn.structured.TokenVocabulary;
import io.djinn.toolcall.AssistantOutputParser;
import io.djinn.toolcall.ToolCallFormat;
import io.djinn.toolcall.ToolCallIds;
import io.djinn.toolcall.ToolCallParser;
import java.util.function.Supplier;

/**
 * One request's output shape, from {@link OutputShaping#plan}: what the engine enforces and how the text is read
 * back.
 *
 * @param grammar         the output's grammar, or null for free text
 * @param grammarSource   the parameter the grammar comes from (for messages)
 * @param toolFormat      how tool calls are parsed, or null when they are not
 * @param reasoning       the model's thinking markers, or null when it has none
 * @param promptOpensReasoning the rendered prompt ends inside an open thinking block
 * @param thinkingBudget  thinking tokens allowed, -1 for no limit
 * @param includeReasoning whether the reasoning is returned
 * @param shaping         the model's shaping support the plan was made from
 * @param vocabulary      the model's token bytes for masks (null without a grammar)
 * @param minTokens       tokens the grammar's shortest document takes (0 without a grammar)
 */
public record OutputPlan(Grammar grammar, String grammarSource, ToolCallFormat toolFormat, ReasoningSyntax reasoning,
        boolean promptOpensReasoning, int thinkingBudget, boolean includeReasoning, OutputShaping shaping,
        TokenVocabulary vocabulary, int minTokens) {

    public boolean parsesOutput() {
        return toolFormat != null || reasoning != null;
    }

    /** Whether tool-call markup must survive detokenization (Mistral's marker is a special token). */
    public boolean keepsSpecialTokens() {
        return toolFormat == ToolCallFormat.MISTRAL;
    }

    /** Makes each choice's constraint, or null when the output is free. */
    public Supplier<TokenConstraint> constraint(int[] eosIds) {
        boolean budgeted = reasoning != null && thinkingBudget >= 0;
        if (grammar == null && !budgeted) {
            return null;
        }
        return () -> {
            TokenConstraint answer = grammar == null ? null : new GrammarConstraint(grammar, vocabulary);
            if (reasoning == null) {
                return answer;
            }
            return new ThinkingBudget(shaping.thinkStart, shaping.thinkEnd, thinkingBudget,
                    promptOpensReasoning, answer, minTokens, shaping.modelVocab, eosIds);
        };
    }

    /** A fresh parser for one choice. */
    public AssistantOutputParser parser() {
        return new AssistantOutputParser(
                reasoning == null ? ReasoningParser.passThrough()
                        : ReasoningParser.create(reasoning, promptOpensReasoning),
                toolFormat == null ? ToolCallParser.passThrough()
                        : ToolCallParser.create(toolFormat, ToolCallIds.random()));
    }
}
