package io.djinn.structured;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The grammar AST, over bytes. Trees of nodes are compiled per {@link Rule} into a DFA whose edges are byte classes
 * and calls of other rules; recursion is only possible through {@link Call}.
 */
sealed interface Node {

    /** One byte in {@code [lo, hi]}. */
    record Bytes(int lo, int hi) implements Node {}

    /** Exactly these bytes. */
    record Literal(byte[] bytes) implements Node {}

    /** One code point of the set, as its UTF-8 bytes. */
    record CodePoints(CodePointSet set) implements Node {}

    record Seq(List<Node> parts) implements Node {}

    record Alt(List<Node> options) implements Node {}

    /** {@code min} to {@code max} (-1: unbounded) items, with {@code separator} (nullable) between them. */
    record Repeat(Node item, Node separator, int min, int max) implements Node {}

    /** The language of another rule; its frame goes on the stack. */
    record Call(Rule rule) implements Node {}

    /**
     * Object members in their declared order: any subsequence that contains every required member, with the
     * separator between consecutive members. Compiled with one copy of each member (a tree of Seq/Alt would repeat
     * the tail for every choice).
     */
    record Members(List<Node> members, boolean[] required, Node separator) implements Node {}

    Node EMPTY = new Seq(List.of());

    static Node literal(String text) {
        return new Literal(text.getBytes(StandardCharsets.UTF_8));
    }

    static Node seq(Node... parts) {
        return parts.length == 1 ? parts[0] : new Seq(List.of(parts));
    }

    static Node alt(Node... options) {
        return options.length == 1 ? options[0] : new Alt(List.of(options));
    }

    static Node optional(Node node) {
        return new Repeat(node, null, 0, 1);
    }

    static Node call(Rule rule) {
        return new Call(rule);
    }
}
