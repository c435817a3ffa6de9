package io.djinn.tokenizer;

import com.hubspot.jinjava.objects.SafeString;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python semantics for the str and dict methods chat templates call ({@code .startswith}, {@code .split},
 * {@code .strip(chars)}, {@code .get(k, default)}, ...). Placed in front of Jinjava's own resolver; any call it
 * does not know falls through.
 */
final class PyMethodResolver extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (base == null || method == null) return null;
        String name = method.toString();
        Object[] p = params == null ? new Object[0] : params;
        Object result;
        if (base instanceof String || base instanceof SafeString) {
            result = stringMethod(base.toString(), name, p);
        } else if (base instanceof Map<?, ?> map) {
            result = mapMethod(map, name, p);
        } else {
            return null;
        }
        if (result == NOT_HANDLED) return null;
        context.setPropertyResolved(true);
        return result;
    }

    private static final Object NOT_HANDLED = new Object();

    private static Object mapMethod(Map<?, ?> map, String name, Object[] p) {
        switch (name) {
            case "get":
                if (p.length == 1 || p.length == 2) {
                    Object key = p[0];
                    if (map.containsKey(key)) return map.get(key);
                    return p.length == 2 ? p[1] : null;
                }
                return NOT_HANDLED;
            case "items":
                if (p.length == 0) return new ArrayList<>(map.entrySet());
                return NOT_HANDLED;
            case "keys":
                if (p.length == 0) return new ArrayList<>(map.keySet());
                return NOT_HANDLED;
            case "values":
                if (p.length == 0) return new ArrayList<>(map.values());
                return NOT_HANDLED;
            default:
                return NOT_HANDLED;
        }
    }

    static Object stringMethod(String s, String name, Object[] p) {
        switch (name) {
            case "startswith":
            case "endswith": {
                if (p.length < 1) return NOT_HANDLED;
                String target = s;
                if (p.length >= 2 && p[1] != null) target = slice(s, toInt(p[1]), p.length >= 3 && p[2] != null ? toInt(p[2]) : s.length());
                for (String cand : stringOrTuple(p[0])) {
                    if (name.equals("startswith") ? target.startsWith(cand) : target.endsWith(cand)) return true;
                }
                return false;
            }
            case "strip":
                return rstrip(lstrip(s, charsArg(p)), charsArg(p));
            case "lstrip":
                return lstrip(s, charsArg(p));
            case "rstrip":
                return rstrip(s, charsArg(p));
            case "split":
                return split(s, p.length > 0 ? (p[0] == null ? null : p[0].toString()) : null, p.length > 1 ? toInt(p[1]) : -1);
            case "rsplit":
                return rsplit(s, p.length > 0 ? (p[0] == null ? null : p[0].toString()) : null, p.length > 1 ? toInt(p[1]) : -1);
            case "splitlines":
                return splitlines(s);
            case "upper":
                return s.toUpperCase(java.util.Locale.ROOT);
            case "lower":
                return s.toLowerCase(java.util.Locale.ROOT);
            case "title":
                return title(s);
            case "capitalize":
                return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + s.substring(1).toLowerCase(java.util.Locale.ROOT);
            case "replace": {
                if (p.length < 2) return NOT_HANDLED;
                String old = String.valueOf(p[0]);
                String rep = String.valueOf(p[1]);
                int count = p.length > 2 ? toInt(p[2]) : -1;
                return replace(s, old, rep, count);
            }
            case "find":
                return p.length >= 1 ? s.indexOf(String.valueOf(p[0])) : NOT_HANDLED;
            case "rfind":
                return p.length >= 1 ? s.lastIndexOf(String.valueOf(p[0])) : NOT_HANDLED;
            case "count": {
                if (p.length < 1) return NOT_HANDLED;
                String sub = String.valueOf(p[0]);
                if (sub.isEmpty()) return s.length() + 1;
                int c = 0;
                for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) c++;
                return c;
            }
            case "join": {
                if (p.length != 1) return NOT_HANDLED;
                StringBuilder b = new StringBuilder();
                boolean first = true;
                for (Object o : iterate(p[0])) {
                    if (!first) b.append(s);
                    b.append(o);
                    first = false;
                }
                return b.toString();
            }
            case "removeprefix":
                return p.length == 1 && s.startsWith(String.valueOf(p[0])) ? s.substring(String.valueOf(p[0]).length()) : s;
            case "removesuffix":
                return p.length == 1 && s.endsWith(String.valueOf(p[0])) ? s.substring(0, s.length() - String.valueOf(p[0]).length()) : s;
            case "isdigit":
                return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isalpha":
                return !s.isEmpty() && s.chars().allMatch(Character::isLetter);
            case "isalnum":
                return !s.isEmpty() && s.chars().allMatch(Character::isLetterOrDigit);
            case "isspace":
                return !s.isEmpty() && s.chars().allMatch(PyMethodResolver::isPyWhitespace);
            case "isupper":
                return s.chars().anyMatch(Character::isLetter) && s.equals(s.toUpperCase(java.util.Locale.ROOT));
            case "islower":
                return s.chars().anyMatch(Character::isLetter) && s.equals(s.toLowerCase(java.util.Locale.ROOT));
            default:
                return NOT_HANDLED;
        }
    }

    private static String slice(String s, int from, int to) {
        int n = s.length();
        if (from < 0) from = Math.max(0, n + from);
        if (to < 0) to = Math.max(0, n + to);
        from = Math.min(from, n);
        to = Math.min(to, n);
        return from >= to ? "" : s.substring(from, to);
    }

    private static List<String> stringOrTuple(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof Collection<?> c) {
            for (Object x : c) out.add(String.valueOf(x));
        } else if (o instanceof Object[] arr) {
            for (Object x : arr) out.add(String.valueOf(x));
        } else {
            out.add(String.valueOf(o));
        }
        return out;
    }

    private static Iterable<?> iterate(Object o) {
        if (o instanceof Iterable<?> it) return it;
        if (o instanceof Object[] arr) return List.of(arr);
        if (o instanceof Map<?, ?> m) return m.keySet();
        if (o == null) return List.of();
        String str = o.toString();
        List<String> chars = new ArrayList<>();
        str.codePoints().forEach(cp -> chars.add(new String(Character.toChars(cp))));
        return chars;
    }

    private static String charsArg(Object[] p) {
        return p.length > 0 && p[0] != null ? p[0].toString() : null;
    }

    static boolean isPyWhitespace(int c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d
                || c == 0x1e || c == 0x1f || c == 0x85 || (c > 0x7f && Character.isWhitespace(c)) || c == 0xa0
                || c == 0x2007 || c == 0x202f;
    }

    private static boolean strippable(int c, String chars) {
        return chars == null ? isPyWhitespace(c) : chars.indexOf(c) >= 0;
    }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && strippable(s.charAt(i), chars)) i++;
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int i = s.length();
        while (i > 0 && strippable(s.charAt(i - 1), chars)) i--;
        return s.substring(0, i);
    }

    /** Python str.split: with a separator keeps empty fields; without one splits on whitespace runs. */
    static List<String> split(String s, String sep, int maxsplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isPyWhitespace(s.charAt(i))) i++;
                if (i >= n) break;
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(rstrip(s.substring(i), null));
                    break;
                }
                int j = i;
                while (j < n && !isPyWhitespace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
        int start = 0;
        int idx;
        while ((maxsplit < 0 || out.size() < maxsplit) && (idx = s.indexOf(sep, start)) >= 0) {
            out.add(s.substring(start, idx));
            start = idx + sep.length();
        }
        out.add(s.substring(start));
        return out;
    }

    static List<String> rsplit(String s, String sep, int maxsplit) {
        if (maxsplit < 0) return split(s, sep, -1);
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int j = s.length();
            while (true) {
                while (j > 0 && isPyWhitespace(s.charAt(j - 1))) j--;
                if (j <= 0) break;
                if (out.size() == maxsplit) {
                    out.add(0, lstrip(s.substring(0, j), null));
                    break;
                }
                int i = j;
                while (i > 0 && !isPyWhitespace(s.charAt(i - 1))) i--;
                out.add(0, s.substring(i, j));
                j = i;
            }
            return out;
        }
        int end = s.length();
        int idx;
        while (out.size() < maxsplit && (idx = s.lastIndexOf(sep, end - sep.length())) >= 0) {
            out.add(0, s.substring(idx + sep.length(), end));
            end = idx;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    static List<String> splitlines(String s) {
        List<String> out = new ArrayList<>();
        int start = 0;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e || c == 0x85
                    || c == 0x2028 || c == 0x2029) {
                out.add(s.substring(start, i));
                if (c == '\r' && i + 1 < n && s.charAt(i + 1) == '\n') i++;
                start = i + 1;
            }
        }
        if (start < n) out.add(s.substring(start));
        return out;
    }

    static String title(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            boolean cased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
            b.appendCodePoint(prevCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp));
            prevCased = cased;
            i += Character.charCount(cp);
        }
        return b.toString();
    }

    static String replace(String s, String old, String rep, int count) {
        if (count < 0) {
            if (old.isEmpty()) {
                StringBuilder b = new StringBuilder(rep);
                for (int i = 0; i < s.length(); i++) b.append(s.charAt(i)).append(rep);
                return b.toString();
            }
            return s.replace(old, rep);
        }
        StringBuilder b = new StringBuilder();
        int start = 0;
        int done = 0;
        int idx;
        while (done < count && !old.isEmpty() && (idx = s.indexOf(old, start)) >= 0) {
            b.append(s, start, idx).append(rep);
            start = idx + old.length();
            done++;
        }
        return b.append(s.substring(start)).toString();
    }

    private static int toInt(Object o) {
        if (o instanceof Number n) return n.intValue();
        return Integer.parseInt(String.valueOf(o).trim());
    }

    // Property resolution is left entirely to Jinjava's resolver.
    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
