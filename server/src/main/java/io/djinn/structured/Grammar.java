package io.djinn.structured;

/**
 * A compiled grammar over UTF-8 bytes: the set of documents a constrained sequence may produce. Immutable and
 * shareable by all sequences and threads; built by {@link Grammars}. The token masks computed for it are cached per
 * {@link TokenVocabulary} and shared by every {@link GrammarConstraint} on the same grammar.
 */
public sealed interface Grammar permits Rule {
    /** Length in bytes of the shortest document; a byte-level vocabulary needs at most this many tokens. */
    int minLength();
}
