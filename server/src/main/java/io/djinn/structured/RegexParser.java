package io.djinn.structured;

import java.util.ArrayList;
import java.util.List;

/**
 * Regular expressions (vLLM's {@code structured_outputs.regex}) to grammar, matched on whole code points and always
 * against the whole output. Supported: literals, escapes, {@code .}, classes ({@code [a-z0-9_]}, {@code [^...]}),
 * {@code \d \w \s \D \W \S}, groups ({@code (...)}, {@code (?:...)}, named), alternation, quantifiers
 * {@code * + ? {m} {m,} {m,n}} (a lazy {@code ?} suffix means the same language), {@code ^} and {@code $} at the
 * ends. Backreferences, lookaround, word boundaries, inline flags, possessive quantifiers and Unicode properties
 * are refused with a {@link SchemaException} naming them.
 *
 * <p>Where Java's and Python's regex dialects differ, the narrower meaning is used, so that the output matches
 * under both: {@code .} excludes every line terminator (\n \r \u0085 \u2028 \u2029), {@code \d \w \s} are ASCII.
 */
final class RegexParser {
    /** Quantifier bounds above this would compile into huge automata. */
    static final int MAX_REPEAT = 1000;

    /** Groups nested deeper than this are refused: parsing and compiling recurse once per level. */
    static final int MAX_GROUP_DEPTH = 100;

    static final CodePointSet DOT = CodePointSet.ofChars("\n\r\u0085\u2028\u2029").complement();
    static final CodePointSet DIGIT = CodePointSet.of('0', '9');
    static final CodePointSet WORD = CodePointSet.of('a', 'z').union(CodePointSet.of('A', 'Z')).union(DIGIT)
            .union(CodePointSet.ofChars("_"));
    static final CodePointSet SPACE = CodePointSet.ofChars(" \t\n\u000B\f\r");

    private final String p;
    private int pos;

    private RegexParser(String pattern) {
        this.p = pattern;
    }

    static Node parse(String pattern) {
        RegexParser r = new RegexParser(pattern);
        if (r.peek('^')) {
            r.pos++;
        }
        Node n = r.alternation(0);
        if (r.pos < r.p.length()) {
            throw r.error("unbalanced ')'");
        }
        return n;
    }

    private SchemaException error(String message) {
        return new SchemaException("regex[" + pos + "]", message);
    }

    private boolean peek(char c) {
        return pos < p.length() && p.charAt(pos) == c;
    }

    private boolean lookingAt(String s) {
        return p.startsWith(s, pos);
    }

    private Node alternation(int depth) {
        List<Node> options = new ArrayList<>();
        options.add(concatenation(depth));
        while (peek('|')) {
            pos++;
            options.add(concatenation(depth));
        }
        return options.size() == 1 ? options.getFirst() : new Node.Alt(options);
    }

    private Node concatenation(int depth) {
        List<Node> parts = new ArrayList<>();
        while (pos < p.length() && !peek('|') && !peek(')')) {
            if (peek('$')) {
                if (depth == 0 && pos == p.length() - 1) {
                    pos++;
                    break;
                }
                throw error("'$' is only supported at the end of the pattern");
            }
            if (peek('^')) {
                throw error("'^' is only supported at the start of the pattern");
            }
            Node atom = atom(depth);
            parts.add(quantified(atom));
        }
        return parts.size() == 1 ? parts.getFirst() : new Node.Seq(parts);
    }

    private Node quantified(Node atom) {
        while (pos < p.length()) {
            int min;
            int max;
            int start = pos;
            char c = p.charAt(pos);
            if (c == '*') {
                min = 0;
                max = -1;
                pos++;
            } else if (c == '+') {
                min = 1;
                max = -1;
                pos++;
            } else if (c == '?') {
                min = 0;
                max = 1;
                pos++;
            } else if (c == '{' && bounds() != null) {
                int[] b = bounds();
                pos = b[2];
                min = b[0];
                max = b[1];
            } else {
                return atom;
            }
            if (peek('?')) {
                pos++; // lazy: same language
            } else if (peek('+')) {
                throw error("possessive quantifiers are not supported");
            }
            if (pos < p.length() && (peek('*') || peek('+') || peek('?') || peek('{') && bounds() != null)) {
                pos = start;
                throw error("multiple repeat");
            }
            if (max > MAX_REPEAT || min > MAX_REPEAT) {
                pos = start;
                throw error("repetition bound above " + MAX_REPEAT);
            }
            if (max >= 0 && max < min) {
                pos = start;
                throw error("repetition bounds out of order");
            }
            atom = new Node.Repeat(atom, null, min, max);
        }
        return atom;
    }

    /** {@code {m}}, {@code {m,}}, {@code {m,n}}, {@code {,n}} at pos: [min, max, end], or null if not a quantifier. */
    private int[] bounds() {
        int i = pos + 1;
        int m = i;
        while (i < p.length() && Character.isDigit(p.charAt(i))) {
            i++;
        }
        String lo = p.substring(m, i);
        if (i < p.length() && p.charAt(i) == '}') {
            return lo.isEmpty() ? null : new int[] {number(lo), number(lo), i + 1};
        }
        if (i >= p.length() || p.charAt(i) != ',') {
            return null;
        }
        i++;
        int n = i;
        while (i < p.length() && Character.isDigit(p.charAt(i))) {
            i++;
        }
        String hi = p.substring(n, i);
        if (i >= p.length() || p.charAt(i) != '}' || lo.isEmpty() && hi.isEmpty()) {
            return null;
        }
        return new int[] {lo.isEmpty() ? 0 : number(lo), hi.isEmpty() ? -1 : number(hi), i + 1};
    }

    private static int number(String digits) {
        return digits.length() > 6 ? Integer.MAX_VALUE : Integer.parseInt(digits);
    }

    private Node atom(int depth) {
        char c = p.charAt(pos);
        switch (c) {
            case '(' -> {
                return group(depth);
            }
            case '[' -> {
                return new Node.CodePoints(charClass());
            }
            case '.' -> {
                pos++;
                return new Node.CodePoints(DOT);
            }
            case '\\' -> {
                return escape();
            }
            case '*', '+', '?' -> throw error("nothing to repeat before '" + c + "'");
            case '{' -> {
                if (bounds() != null) {
                    throw error("nothing to repeat before '{'");
                }
                pos++;
                return Node.literal("{");
            }
            default -> {
                int cp = p.codePointAt(pos);
                pos += Character.charCount(cp);
                return codePoint(cp);
            }
        }
    }

    private Node group(int depth) {
        if (depth >= MAX_GROUP_DEPTH) {
            throw error("groups nest more than " + MAX_GROUP_DEPTH + " deep");
        }
        int start = pos;
        pos++;
        if (peek('?')) {
            if (lookingAt("?:")) {
                pos += 2;
            } else if (lookingAt("?=") || lookingAt("?!") || lookingAt("?<=") || lookingAt("?<!")) {
                throw error("lookaround is not supported");
            } else if (lookingAt("?P<") || lookingAt("?<")) {
                int close = p.indexOf('>', pos);
                if (close < 0) {
                    throw error("unterminated group name");
                }
                pos = close + 1;
            } else if (lookingAt("?P=")) {
                throw error("backreferences are not supported");
            } else {
                throw error("inline flags and other (? groups are not supported");
            }
        }
        Node n = alternation(depth + 1);
        if (!peek(')')) {
            pos = start;
            throw error("missing ')'");
        }
        pos++;
        return n;
    }

    private static Node codePoint(int cp) {
        return new Node.Literal(Utf8.encode(cp));
    }

    private Node escape() {
        int start = pos;
        pos++;
        if (pos >= p.length()) {
            throw error("trailing backslash");
        }
        CodePointSet set = classEscape();
        if (set != null) {
            return new Node.CodePoints(set);
        }
        char c = p.charAt(pos);
        if (c >= '1' && c <= '9' || c == 'k') {
            pos = start;
            throw error("backreferences are not supported");
        }
        if ("bBAzZG".indexOf(c) >= 0) {
            pos = start;
            throw error("anchor \\" + c + " is not supported");
        }
        return codePoint(charEscape(start));
    }

    /** \d \D \w \W \s \S at pos (after the backslash), consumed; else null. */
    private CodePointSet classEscape() {
        CodePointSet s = switch (p.charAt(pos)) {
            case 'd' -> DIGIT;
            case 'D' -> DIGIT.complement();
            case 'w' -> WORD;
            case 'W' -> WORD.complement();
            case 's' -> SPACE;
            case 'S' -> SPACE.complement();
            default -> null;
        };
        if (s != null) {
            pos++;
        }
        return s;
    }

    /** A single-character escape at pos (after the backslash): its code point, consumed. */
    private int charEscape(int start) {
        char c = p.charAt(pos++);
        switch (c) {
            case 'n':
                return '\n';
            case 'r':
                return '\r';
            case 't':
                return '\t';
            case 'f':
                return '\f';
            case 'v':
                return 0x0B;
            case 'a':
                return 0x07;
            case 'e':
                return 0x1B;
            case '0':
                if (pos < p.length() && Character.isDigit(p.charAt(pos))) {
                    pos = start;
                    throw error("octal escapes are not supported");
                }
                return 0;
            case 'x':
                if (peek('{')) {
                    int close = p.indexOf('}', pos);
                    if (close < 0) {
                        pos = start;
                        throw error("unterminated \\x{...}");
                    }
                    int cp = hex(p.substring(pos + 1, close), start);
                    pos = close + 1;
                    return cp;
                }
                return hexDigits(2, start);
            case 'u':
                return hexDigits(4, start);
            case 'U':
                return hexDigits(8, start);
            default:
                if (c == 'p' || c == 'P') {
                    pos = start;
                    throw error("Unicode properties (\\p, \\P) are not supported");
                }
                if (Character.isLetterOrDigit(c)) {
                    pos = start;
                    throw error("unknown escape \\" + c);
                }
                pos--;
                int cp = p.codePointAt(pos);
                pos += Character.charCount(cp);
                return cp;
        }
    }

    private int hexDigits(int n, int start) {
        if (pos + n > p.length()) {
            pos = start;
            throw error("truncated hex escape");
        }
        int cp = hex(p.substring(pos, pos + n), start);
        pos += n;
        return cp;
    }

    private int hex(String digits, int start) {
        try {
            int cp = Integer.parseInt(digits, 16);
            if (cp < 0 || cp > CodePointSet.MAX || cp >= 0xD800 && cp <= 0xDFFF || digits.isEmpty()) {
                throw new NumberFormatException();
            }
            return cp;
        } catch (NumberFormatException e) {
            pos = start;
            throw error("invalid hex escape");
        }
    }

    private CodePointSet charClass() {
        int start = pos;
        pos++;
        boolean negate = false;
        if (peek('^')) {
            negate = true;
            pos++;
        }
        CodePointSet set = CodePointSet.EMPTY;
        boolean first = true;
        while (true) {
            if (pos >= p.length()) {
                pos = start;
                throw error("unterminated character class");
            }
            char c = p.charAt(pos);
            if (c == ']' && !first) {
                pos++;
                break;
            }
            if (c == '[') {
                throw error("nested character classes are not supported (escape '[')");
            }
            if (lookingAt("&&")) {
                throw error("class intersection '&&' is not supported");
            }
            first = false;
            int lo;
            if (c == '\\') {
                int esc = pos;
                pos++;
                if (pos >= p.length()) {
                    throw error("trailing backslash");
                }
                CodePointSet s = classEscape();
                if (s != null) {
                    set = set.union(s);
                    continue;
                }
                if (p.charAt(pos) == 'b') { // backspace inside a class
                    pos++;
                    lo = 0x08;
                } else {
                    lo = charEscape(esc);
                }
            } else {
                lo = p.codePointAt(pos);
                pos += Character.charCount(lo);
            }
            int hi = lo;
            if (peek('-') && pos + 1 < p.length() && p.charAt(pos + 1) != ']') {
                pos++;
                char h = p.charAt(pos);
                if (h == '\\') {
                    int esc = pos;
                    pos++;
                    if (pos >= p.length()) {
                        throw error("trailing backslash");
                    }
                    if ("dDwWsS".indexOf(p.charAt(pos)) >= 0) {
                        throw error("a class escape cannot end a range");
                    }
                    hi = charEscape(esc);
                } else {
                    hi = p.codePointAt(pos);
                    pos += Character.charCount(hi);
                }
                if (hi < lo) {
                    throw error("character range out of order");
                }
            }
            set = set.union(CodePointSet.of(lo, hi));
        }
        return negate ? set.complement() : set;
    }
}
