package io.djinn.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.FatalTemplateErrorsException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.tree.Node;
import jinjava.javax.el.CompositeELResolver;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face chat template (Jinja2), rendered like transformers' {@code apply_chat_template(tokenize=False)}
 * with Jinjava plus shims for the Python semantics templates rely on (see {@link TemplateRewriter},
 * {@link PyMethodResolver}, {@link JinjaShims}). The template is parsed once; {@link #render} is thread-safe.
 */
public final class ChatTemplate {
    private static final JinjavaConfig CONFIG;
    private static final Jinjava JINJAVA;

    static {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PyMethodResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        CONFIG = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withParseWhitespaceControlStrictly(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withKeepNullableLoopValues(true)
                        .withUsePyishObjectMapper(true)
                        .withEvaluateMapKeys(true)
                        .withAllowAdjacentTextNodes(true)
                        .withHandleBackslashInQuotesOnly(true)
                        .build())
                .build();
        JINJAVA = new Jinjava(CONFIG);
        JINJAVA.registerFilter(new JinjaShims.ToJsonFilter());
        JINJAVA.registerFilter(new JinjaShims.ItemsFilter());
        JINJAVA.registerExpTest(new JinjaShims.IterableTest());
        JINJAVA.registerFunction(new ELFunctionDefinition("", "raise_exception", JinjaShims.class, "raiseException", Object.class));
        JINJAVA.registerFunction(new ELFunctionDefinition("", "strftime_now", JinjaShims.class, "strftimeNow", String.class));
    }

    private final String source;
    private final Node root;
    private final String bosToken;
    private final String eosToken;

    private ChatTemplate(String source, String bosToken, String eosToken) {
        this.source = source;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        JinjavaInterpreter parser = newInterpreter(Map.of());
        JinjavaInterpreter.pushCurrent(parser);
        try {
            this.root = parser.parse(TemplateRewriter.rewrite(source));
        } catch (RuntimeException e) {
            throw new ChatTemplateException("chat template does not parse: " + rootMessage(e), e);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        for (TemplateError err : parser.getErrors()) {
            // Jinja2 rejects what Jinjava only warns about at parse time (e.g. an {% endfor %} without a for)
            if (err.getSeverity() == TemplateError.ErrorType.FATAL || err.getReason() == TemplateError.ErrorReason.SYNTAX_ERROR) {
                throw new ChatTemplateException("chat template does not parse: " + messageOf(err));
            }
        }
    }

    /** A template from source text (e.g. the API's {@code chat_template} parameter). */
    public static ChatTemplate of(String source, String bosToken, String eosToken) {
        if (source == null) throw new IllegalArgumentException("chat template source is null");
        return new ChatTemplate(source, bosToken, eosToken);
    }

    public String source() {
        return source;
    }

    /**
     * Renders the prompt.
     *
     * @param messages            chat messages (role, content, tool_calls, reasoning_content, ...)
     * @param tools               tool definitions ({"type":"function","function":{...}}), or null
     * @param addGenerationPrompt whether to open the assistant turn
     * @param extraVariables      further template variables (chat_template_kwargs, documents, ...), or null
     * @throws ChatTemplateException with the template's own message on any template error
     */
    public String render(List<Map<String, Object>> messages, List<Map<String, Object>> tools,
                         boolean addGenerationPrompt, Map<String, Object> extraVariables) {
        Map<String, Object> vars = new HashMap<>();
        vars.put("bos_token", bosToken);
        vars.put("eos_token", eosToken);
        if (extraVariables != null) vars.putAll(extraVariables);
        vars.put("messages", messages);
        vars.put("tools", tools);
        vars.put("add_generation_prompt", addGenerationPrompt);
        JinjavaInterpreter interpreter = newInterpreter(vars);
        String out;
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            out = interpreter.render(root, true);
        } catch (FatalTemplateErrorsException e) {
            throw new ChatTemplateException(fatalMessage(e.getErrors(), e), e);
        } catch (ChatTemplateException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ChatTemplateException(rootMessage(e), e);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        List<TemplateError> fatal = interpreter.getErrors().stream()
                .filter(err -> err.getSeverity() == TemplateError.ErrorType.FATAL).toList();
        if (!fatal.isEmpty()) throw new ChatTemplateException(fatalMessage(fatal, null));
        return out;
    }

    private static JinjavaInterpreter newInterpreter(Map<String, ?> vars) {
        Context context = new Context(JINJAVA.getGlobalContext(), vars, CONFIG.getDisabled());
        return new JinjavaInterpreter(JINJAVA, context, CONFIG);
    }

    private static String fatalMessage(Iterable<TemplateError> errors, Throwable fallback) {
        TemplateError first = null;
        for (TemplateError err : errors) {
            RuntimeException raised = raised(err.getException());
            if (raised != null) return raised.getMessage();
            if (first == null) first = err;
        }
        if (first != null) return messageOf(first);
        return fallback == null ? "chat template error" : rootMessage(fallback);
    }

    private static String messageOf(TemplateError err) {
        if (err.getException() != null) {
            RuntimeException raised = raised(err.getException());
            if (raised != null) return raised.getMessage();
        }
        String msg = err.getMessage();
        return err.getLineno() > 0 ? msg + " (template line " + err.getLineno() + ")" : msg;
    }

    private static RuntimeException raised(Throwable t) {
        for (int depth = 0; t != null && depth < 20; depth++, t = t.getCause()) {
            if (t instanceof JinjaShims.RaisedException r) return r;
        }
        return null;
    }

    private static String rootMessage(Throwable t) {
        RuntimeException raised = raised(t);
        if (raised != null) return raised.getMessage();
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }
}
