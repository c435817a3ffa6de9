/**
 * Constrained decoding: at every step, the tokens that would take the output out of a grammar are masked, so that
 * {@code response_format} json_object / json_schema (strict), vLLM's {@code structured_outputs} choice / regex and
 * forced tool calls are guaranteed, whatever the sampling parameters.
 *
 * <h2>API</h2>
 * <ul>
 *   <li>{@link io.djinn.structured.Grammars} builds an immutable, thread-safe {@link io.djinn.structured.Grammar}
 *       over UTF-8 bytes: {@code jsonObject()}, {@code jsonSchema(JsonNode)}, {@code regex(String)},
 *       {@code choice(List)}, {@code literal(String)}, and the combinators {@code sequence}, {@code anyOf},
 *       {@code repeat(item, separator, min, max)}. Unsupported schema keywords or regex syntax throw
 *       {@link io.djinn.structured.SchemaException}, whose {@code path()} names the place (for instance
 *       {@code properties.age.minimum}): a 400 for the request.</li>
 *   <li>{@link io.djinn.structured.TokenVocabulary#of} indexes a tokenizer's token bytes once (a few hundred
 *       milliseconds for 150,000 tokens); one per served model.</li>
 *   <li>{@link io.djinn.structured.GrammarConstraint} is one sequence's cursor: {@code allowed(remainingTokens)}
 *       returns the allowed ids as a bitset over the model's vocabulary (the engine adds -inf to the others before
 *       sampling), {@code accept(token)} advances, {@code isComplete()} says the document is finished and nothing
 *       may follow (stop), {@code minTokens()} is the budget a document still needs (check max_tokens against it
 *       before starting). EOS ids are allowed exactly when the output is a complete document. It is the engine's
 *       {@link io.djinn.engine.TokenConstraint} itself (no adapter), as the reasoning package's thinking budget is.</li>
 *   <li>The tools module's {@code MaskStepBenchmark} measures mask-step times for a vocabulary and grammar.</li>
 * </ul>
 *
 * <h2>Design</h2>
 * <p><b>Grammar.</b> A grammar is a set of rules (nonterminals); each rule's node tree (bytes, code point classes
 * as UTF-8 byte sequences, sequences, alternatives, bounded or unbounded repetitions, ordered optional object
 * members, calls of other rules) compiles to a DFA over byte classes whose edges may also call rules: a recursive
 * transition network, i.e. a pushdown automaton. Recursion ($ref) goes through calls; so do shared pieces (one JSON
 * string rule, one number rule for every schema). For every DFA state the minimum number of bytes to the end of its
 * rule is computed by a fixed point over all rules (recursion included); states that cannot finish are pruned, and
 * left recursion is refused at compile time.
 *
 * <p><b>Parser state.</b> A set of immutable stacks (top frame's DFA state over the callers' return states), closed
 * under calls and returns; several stacks exist only while the grammar is ambiguous (anyOf alternatives sharing a
 * prefix). The minimum completion of a stack is the sum of its frames' distances.
 *
 * <p><b>Masks.</b> For each DFA state, a walk of the vocabulary's byte trie from that state alone (advancing the
 * automaton byte by byte, skipping the subtree of every refused prefix) yields the tokens it accepts without
 * returning from its frame, each with its completion cost, and the tokens whose frame returns mid-token, whose
 * remaining bytes are kept in a small trie. That result depends on the state only, so it is cached per rule and
 * vocabulary and shared by all sequences and grammars (the in-string state of JSON, where nearly every token is
 * allowed, is walked once). A step then ORs the cached mask of each stack's top state, filtered by cost only when
 * the budget is nearly spent, and walks the small trie of mid-token returns against the real caller stack
 * (memoized per stack). On a 150,000-token vocabulary a step takes microseconds once warm.
 *
 * <p><b>Termination.</b> A token is allowed only if the document can still be completed within the tokens left
 * after it, counting one token per byte (every byte has a single-byte token in byte-level vocabularies). A sequence
 * that starts with at least {@code minTokens()} of budget therefore always ends with a complete, valid document,
 * even from a random-weight model; when it completes and nothing may follow, only EOS is allowed.
 *
 * <h2>Output format</h2>
 * JSON is compact: no whitespace except one optional space after ':' and ','. Strings are valid UTF-8 with the
 * JSON escapes ({@code \\u} never a surrogate); numbers have at most 16 digits per part and a 2-digit exponent.
 * Object properties come in schema order; optional ones may be omitted independently.
 */
package io.djinn.structured;
