package io.djinn.toolcall;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.util.List;

/**
 * The exact text of tool calls in one format, for constraining a required or named call to the model's own format.
 * Calls are written as {@code prefix + call (+ separator + call)* + suffix}, each call being
 * {@code callPrefix + {"<nameKey>": "<name>", "<argumentsKey>": <JSON object>} + callSuffix} (one space after ':'
 * and ',' here; none parses the same). The format's parser reads such text back into exactly those calls, with the
 * arguments object's text unchanged.
 */
public record ToolCallSyntax(String prefix, String callPrefix, String nameKey, String argumentsKey,
        String callSuffix, String separator, String suffix) {

    /** The text of one call, without the list's prefix, separator and suffix. */
    public String call(String name, String argumentsJson) {
        return callPrefix + "{\"" + nameKey + "\": \"" + new String(JsonStringEncoder.getInstance().quoteAsString(name))
                + "\", \"" + argumentsKey + "\": " + argumentsJson + "}" + callSuffix;
    }

    /** The text of these calls (names and arguments are used; ids are the parser's business). */
    public String render(List<ToolCall> calls) {
        StringBuilder text = new StringBuilder(prefix);
        for (int i = 0; i < calls.size(); i++) {
            if (i > 0) {
                text.append(separator);
            }
            text.append(call(calls.get(i).name(), calls.get(i).arguments()));
        }
        return text.append(suffix).toString();
    }
}
