package io.djinn.structured;

import static io.djinn.structured.Node.call;
import static io.djinn.structured.Node.literal;
import static io.djinn.structured.Node.optional;
import static io.djinn.structured.Node.seq;
/**
 * The JSON lexicon shared by every JSON grammar. Output is compact: no whitespace anywhere except one optional space
 * after ':' and after ',' (a model may be used to emitting them; anything more would let a noisy model emit
 * whitespace forever). Strings are valid UTF-8 without raw control characters, with the standard escapes
 * ({@code \\u} escapes never name a surrogate, so every string decodes to valid Unicode). Numbers have at most 16
 * digits in the integer and fraction parts and 2 in the exponent, so that they stay finite doubles and cannot run
 * forever.
 */
final class JsonRules {
    private JsonRules() {}

    static final int MAX_DIGITS = 16;
    static final int MAX_EXPONENT_DIGITS = 2;

    /** ", " or ",". */
    static final Node COMMA = seq(literal(","), optional(literal(" ")));
    /** ": " or ":". */
    static final Node COLON = seq(literal(":"), optional(literal(" ")));

    static final Rule STRING = new Rule("string", string());
    static final Rule INTEGER = new Rule("integer", integer());
    static final Rule NUMBER = new Rule("number", seq(integer(),
            optional(seq(literal("."), new Node.Repeat(digits(0, 9), null, 1, MAX_DIGITS))),
            optional(seq(new Node.CodePoints(CodePointSet.ofChars("eE")), optional(new Node.CodePoints(
                    CodePointSet.ofChars("+-"))), new Node.Repeat(digits(0, 9), null, 1, MAX_EXPONENT_DIGITS)))));
    static final Rule BOOLEAN = new Rule("boolean", Node.alt(literal("true"), literal("false")));
    static final Rule NULL = new Rule("null", literal("null"));

    /** Any JSON value; {@link #OBJECT} and {@link #ARRAY} recurse through it. */
    static final Rule VALUE = new Rule("value");
    static final Rule OBJECT = new Rule("object");
    static final Rule ARRAY = new Rule("array");

    static {
        VALUE.define(Node.alt(call(OBJECT), call(ARRAY), call(STRING), call(NUMBER), literal("true"),
                literal("false"), literal("null")));
        OBJECT.define(seq(literal("{"), optional(new Node.Repeat(seq(call(STRING), COLON, call(VALUE)), COMMA, 1,
                -1)), literal("}")));
        ARRAY.define(seq(literal("["), optional(new Node.Repeat(call(VALUE), COMMA, 1, -1)), literal("]")));
    }

    private static Node string() {
        CodePointSet plain = CodePointSet.of(0x20, CodePointSet.MAX).minus(CodePointSet.ofChars("\"\\"));
        Node hex = new Node.CodePoints(CodePointSet.ofChars("0123456789abcdefABCDEF"));
        // A u-escape must not name a lone surrogate (D800-DFFF): its first hex digit is not d/D, or d/D is followed
        // by 0-7.
        Node unicode = seq(literal("u"), Node.alt(
                seq(new Node.CodePoints(CodePointSet.ofChars("0123456789abcABCefEF")), hex, hex, hex),
                seq(new Node.CodePoints(CodePointSet.ofChars("dD")), new Node.CodePoints(CodePointSet.of('0', '7')),
                        hex, hex)));
        Node escape = seq(literal("\\"), Node.alt(new Node.CodePoints(CodePointSet.ofChars("\"\\/bfnrt")), unicode));
        return seq(literal("\""), new Node.Repeat(Node.alt(new Node.CodePoints(plain), escape), null, 0, -1),
                literal("\""));
    }

    private static Node integer() {
        return seq(optional(literal("-")), Node.alt(literal("0"),
                seq(digits(1, 9), new Node.Repeat(digits(0, 9), null, 0, MAX_DIGITS - 1))));
    }

    private static Node digits(int lo, int hi) {
        return new Node.Bytes('0' + lo, '0' + hi);
    }
}
