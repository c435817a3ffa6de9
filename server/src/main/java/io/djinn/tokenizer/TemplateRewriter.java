package io.djinn.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Source rewrites that make Jinja2 constructs Jinjava parses differently mean what they mean in Jinja2.
 * Only code ({@code {{ }}} and {@code {% %}}) is touched, never text or comments, and never string literals.
 * <ul>
 *   <li>{@code not X is [not] T} becomes {@code not (X is [not] T)} (Jinjava binds {@code not} tighter).</li>
 *   <li>{@code namespace(a=x|length - 1)} / {@code dict(...)} keyword values are parenthesised.</li>
 *   <li>{@code X[::-1]} becomes {@code (X|reverse|list)}.</li>
 * </ul>
 */
final class TemplateRewriter {
    private TemplateRewriter() {}

    private static final Pattern NOT_IS = Pattern.compile(
            "\\bnot\\s+([A-Za-z_]\\w*(?:\\.[A-Za-z_]\\w*|\\[[^\\[\\]]*\\])*)\\s+is\\s+(not\\s+)?([A-Za-z_]\\w*)\\b");
    private static final Pattern KWARG_CALL = Pattern.compile("\\b(namespace|dict)\\s*\\(");

    static String rewrite(String src) {
        StringBuilder out = new StringBuilder(src.length() + 64);
        int i = 0;
        int n = src.length();
        while (i < n) {
            int open = src.indexOf('{', i);
            if (open < 0 || open + 1 >= n) {
                out.append(src, i, n);
                break;
            }
            char k = src.charAt(open + 1);
            if (k != '{' && k != '%' && k != '#') {
                out.append(src, i, open + 1);
                i = open + 1;
                continue;
            }
            out.append(src, i, open);
            if (k == '#') {
                int end = src.indexOf("#}", open + 2);
                end = end < 0 ? n : end + 2;
                out.append(src, open, end);
                i = end;
                continue;
            }
            String close = k == '{' ? "}}" : "%}";
            int end = findClose(src, open + 2, close);
            String body = src.substring(open + 2, end);
            out.append(src, open, open + 2).append(rewriteCode(body));
            if (end < n) out.append(close);
            i = Math.min(n, end + 2);
            // {% raw %} ... {% endraw %}: copy verbatim
            if (k == '%' && body.strip().replaceFirst("^-", "").replaceFirst("-$", "").strip().equals("raw")) {
                Matcher m = Pattern.compile("\\{%-?\\s*endraw\\s*-?%}").matcher(src);
                if (m.find(i)) {
                    out.append(src, i, m.end());
                    i = m.end();
                }
            }
        }
        return out.toString();
    }

    /** Index of the closing delimiter, skipping string literals. */
    private static int findClose(String s, int from, String close) {
        char quote = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') i++;
                else if (c == quote) quote = 0;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (s.startsWith(close, i)) {
                return i;
            }
        }
        return s.length();
    }

    /** Applies the rewrites to the non-string parts of a code segment. */
    static String rewriteCode(String code) {
        // Mask string literals so the patterns never match inside them.
        List<String> literals = new ArrayList<>();
        StringBuilder masked = new StringBuilder(code.length());
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '\'' || c == '"') {
                int j = i + 1;
                while (j < code.length() && code.charAt(j) != c) {
                    if (code.charAt(j) == '\\') j++;
                    j++;
                }
                j = Math.min(j, code.length() - 1);
                masked.append('\u0001').append(literals.size()).append('\u0002');
                literals.add(code.substring(i, j + 1));
                i = j;
            } else {
                masked.append(c);
            }
        }
        String s = masked.toString();
        s = NOT_IS.matcher(s).replaceAll("not ($1 is $2$3)");
        s = parenthesiseKwargs(s);
        s = reverseSlices(s);
        if (literals.isEmpty()) return s;
        Matcher m = Pattern.compile("\u0001(\\d+)\u0002").matcher(s);
        StringBuilder back = new StringBuilder();
        while (m.find()) m.appendReplacement(back, Matcher.quoteReplacement(literals.get(Integer.parseInt(m.group(1)))));
        m.appendTail(back);
        return back.toString();
    }

    private static String parenthesiseKwargs(String s) {
        Matcher m = KWARG_CALL.matcher(s);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find(last)) {
            int argsStart = m.end();
            int close = matching(s, argsStart - 1);
            if (close < 0) break;
            out.append(s, last, argsStart);
            List<String> args = splitTopLevel(s.substring(argsStart, close));
            for (int a = 0; a < args.size(); a++) {
                String arg = args.get(a);
                Matcher kw = Pattern.compile("^(\\s*[A-Za-z_]\\w*\\s*)=(?!=)(.*)$", Pattern.DOTALL).matcher(arg);
                if (a > 0) out.append(',');
                if (kw.matches() && !kw.group(2).isBlank()) {
                    String value = kw.group(2);
                    String inner = value.strip();
                    boolean simple = inner.matches("[\\w.\\u0001\\u0002]+");
                    out.append(kw.group(1)).append('=').append(simple ? value : "(" + parenthesiseKwargs(inner) + ")");
                } else {
                    out.append(arg);
                }
            }
            out.append(')');
            last = close + 1;
        }
        out.append(s, last, s.length());
        return out.toString();
    }

    private static String reverseSlices(String s) {
        int idx;
        while ((idx = s.indexOf("[::-1]")) >= 0) {
            int start = operandStart(s, idx);
            s = s.substring(0, start) + "(" + s.substring(start, idx) + "|reverse|list)" + s.substring(idx + 6);
        }
        return s;
    }

    /** Start of the postfix operand ending just before {@code end}: identifiers, dots, (...) and [...]. */
    private static int operandStart(String s, int end) {
        int i = end;
        while (i > 0) {
            char c = s.charAt(i - 1);
            if (c == ')' || c == ']') {
                int open = matchingBackward(s, i - 1);
                if (open < 0) break;
                i = open;
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '\u0001' || c == '\u0002') {
                i--;
            } else {
                break;
            }
        }
        return i;
    }

    private static int matching(String s, int openIdx) {
        int depth = 0;
        for (int i = openIdx; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[' || c == '{') depth++;
            else if (c == ')' || c == ']' || c == '}') {
                if (--depth == 0) return i;
            }
        }
        return -1;
    }

    private static int matchingBackward(String s, int closeIdx) {
        int depth = 0;
        for (int i = closeIdx; i >= 0; i--) {
            char c = s.charAt(i);
            if (c == ')' || c == ']' || c == '}') depth++;
            else if (c == '(' || c == '[' || c == '{') {
                if (--depth == 0) return i;
            }
        }
        return -1;
    }

    private static List<String> splitTopLevel(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[' || c == '{') depth++;
            else if (c == ')' || c == ']' || c == '}') depth--;
            else if (c == ',' && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }
}
