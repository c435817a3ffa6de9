package io.djinn.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.objects.SafeString;

import java.lang.reflect.Array;
import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The filters, tests and functions HF chat templates expect, with Python / transformers semantics. */
final class JinjaShims {
    private JinjaShims() {}

    /** Thrown by {@code raise_exception(msg)}; carries the template's own message. */
    static final class RaisedException extends RuntimeException {
        RaisedException(String message) {
            super(message);
        }
    }

    /** {@code raise_exception(message)}. */
    public static String raiseException(Object message) {
        throw new RaisedException(String.valueOf(message));
    }

    /** {@code strftime_now(format)}: the local time formatted with Python strftime directives. */
    public static String strftimeNow(String format) {
        return strftime(LocalDateTime.now(), format);
    }

    static String strftime(LocalDateTime t, String format) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                b.append(c);
                continue;
            }
            char d = format.charAt(++i);
            switch (d) {
                case 'd' -> b.append(String.format("%02d", t.getDayOfMonth()));
                case 'e' -> b.append(String.format("%2d", t.getDayOfMonth()));
                case '-' -> { // GNU %-d, %-m, %-H ...
                    if (i + 1 < format.length()) {
                        char e = format.charAt(++i);
                        switch (e) {
                            case 'd' -> b.append(t.getDayOfMonth());
                            case 'm' -> b.append(t.getMonthValue());
                            case 'H' -> b.append(t.getHour());
                            case 'M' -> b.append(t.getMinute());
                            case 'I' -> b.append((t.getHour() + 11) % 12 + 1);
                            default -> b.append('%').append('-').append(e);
                        }
                    }
                }
                case 'm' -> b.append(String.format("%02d", t.getMonthValue()));
                case 'Y' -> b.append(t.getYear());
                case 'y' -> b.append(String.format("%02d", t.getYear() % 100));
                case 'H' -> b.append(String.format("%02d", t.getHour()));
                case 'I' -> b.append(String.format("%02d", (t.getHour() + 11) % 12 + 1));
                case 'M' -> b.append(String.format("%02d", t.getMinute()));
                case 'S' -> b.append(String.format("%02d", t.getSecond()));
                case 'p' -> b.append(t.getHour() < 12 ? "AM" : "PM");
                case 'b', 'h' -> b.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> b.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> b.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> b.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'j' -> b.append(String.format("%03d", t.getDayOfYear()));
                case 'w' -> b.append(t.getDayOfWeek().getValue() % 7);
                case 'F' -> b.append(String.format("%04d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth()));
                case 'T' -> b.append(String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond()));
                case '%' -> b.append('%');
                default -> b.append('%').append(d);
            }
        }
        return b.toString();
    }

    /** {@code tojson}: Python {@code json.dumps(x, ensure_ascii=False, indent=..., sort_keys=...)} as transformers does. */
    static final class ToJsonFilter implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indentArg = kwargs.get("indent");
            if (indentArg == null && args != null && args.length > 0) indentArg = args[0];
            int indent = indentArg == null ? -1 : Integer.parseInt(String.valueOf(indentArg));
            boolean sortKeys = Boolean.parseBoolean(String.valueOf(kwargs.getOrDefault("sort_keys", "false")));
            boolean ensureAscii = Boolean.parseBoolean(String.valueOf(kwargs.getOrDefault("ensure_ascii", "false")));
            StringBuilder b = new StringBuilder();
            toJson(var, indent, sortKeys, ensureAscii, 0, b);
            return new SafeString(b.toString());
        }
    }

    static String toJson(Object v, int indent) {
        StringBuilder b = new StringBuilder();
        toJson(v, indent, false, false, 0, b);
        return b.toString();
    }

    private static void toJson(Object v, int indent, boolean sortKeys, boolean ascii, int depth, StringBuilder b) {
        String itemSep = indent >= 0 ? "," : ", ";
        if (v == null) {
            b.append("null");
        } else if (v instanceof Boolean bool) {
            b.append(bool ? "true" : "false");
        } else if (v instanceof Double || v instanceof Float) {
            b.append(pyFloat(((Number) v).doubleValue()));
        } else if (v instanceof Number n) {
            b.append(n.toString());
        } else if (v instanceof CharSequence || v instanceof SafeString || v instanceof Character) {
            quote(v.toString(), ascii, b);
        } else if (v instanceof Map<?, ?> map) {
            Map<?, ?> m = map;
            if (sortKeys) {
                TreeMap<String, Object> sorted = new TreeMap<>();
                map.forEach((k, x) -> sorted.put(String.valueOf(k), x));
                m = sorted;
            }
            if (m.isEmpty()) {
                b.append("{}");
                return;
            }
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) b.append(itemSep);
                first = false;
                newline(indent, depth + 1, b);
                quote(String.valueOf(e.getKey()), ascii, b);
                b.append(": ");
                toJson(e.getValue(), indent, sortKeys, ascii, depth + 1, b);
            }
            newline(indent, depth, b);
            b.append('}');
        } else if (v instanceof Map.Entry<?, ?> e) {
            toJson(List.of(String.valueOf(e.getKey()), e.getValue()), indent, sortKeys, ascii, depth, b);
        } else if (v instanceof Iterable<?> || v.getClass().isArray()) {
            List<Object> items = new ArrayList<>();
            if (v instanceof Iterable<?> it) it.forEach(items::add);
            else for (int i = 0; i < Array.getLength(v); i++) items.add(Array.get(v, i));
            if (items.isEmpty()) {
                b.append("[]");
                return;
            }
            b.append('[');
            boolean first = true;
            for (Object x : items) {
                if (!first) b.append(itemSep);
                first = false;
                newline(indent, depth + 1, b);
                toJson(x, indent, sortKeys, ascii, depth + 1, b);
            }
            newline(indent, depth, b);
            b.append(']');
        } else {
            quote(v.toString(), ascii, b);
        }
    }

    private static void newline(int indent, int depth, StringBuilder b) {
        if (indent < 0) return;
        b.append('\n');
        b.repeat(' ', indent * depth);
    }

    static String pyFloat(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        if (d == Math.rint(d) && Math.abs(d) < 1e16) return String.format(Locale.ROOT, "%.1f", d);
        String s = Double.toString(d);
        if (s.contains("E")) {
            String[] parts = s.split("E");
            int exp = Integer.parseInt(parts[1]);
            String mant = parts[0].endsWith(".0") ? parts[0].substring(0, parts[0].length() - 2) : parts[0];
            if (exp >= -4 && exp < 16) return new java.math.BigDecimal(s).toPlainString();
            return mant + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
        }
        return s;
    }

    private static void quote(String s, boolean ascii, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || (ascii && c > 0x7e)) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }

    /** {@code x|items}: a dict's (key, value) pairs, unpackable in {@code for k, v in ...}. */
    static final class ItemsFilter implements Filter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var instanceof Map<?, ?> m) return new ArrayList<>(m.entrySet());
            if (var == null) return List.of();
            throw new IllegalArgumentException("items filter expects a mapping, got " + var.getClass().getSimpleName());
        }
    }

    /** {@code x is iterable}: true for strings too, as in Python. */
    static final class IterableTest implements ExpTest {
        @Override
        public String getName() {
            return "iterable";
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof CharSequence || var instanceof SafeString || var instanceof Iterable<?>
                    || var instanceof Map<?, ?> || (var != null && var.getClass().isArray())
                    || var instanceof Collection<?>;
        }
    }
}
