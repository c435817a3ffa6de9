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
import com.hubspot.jinjava.loader.ResourceNotFoundException;
import com.hubspot.jinjava.tree.Node;
import jinjava.javax.el.CompositeELResolver;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Hugging Face chat template (Jinja2), rendered like transformers' {@code apply_chat_template(tokenize=False)}
 * with Jinjava plus shims for the Python semantics templates rely on (see {@link TemplateRewriter},
 * {@link PyMethodResolver}, {@link JinjaShims}). The template is parsed once; {@link #render} is thread-safe.
 *
 * <p>A template is untrusted code (a request may send its own), so it is sandboxed: it cannot load anything
 * ({@code include}, {@code import}, {@code from} and {@code extends} are disabled and the resource locator refuses
 * every name: Jinjava's default would read the class path), brackets may nest only {@value #MAX_NESTING} deep (the
 * parser recurses per level), and each rendering runs on its own virtual thread within {@link TemplateLimits}: past
 * its time the caller stops waiting and the thread is interrupted, so neither a gone client nor SIGTERM waits on it.
 */
public final class ChatTemplate {
    private static final JinjavaConfig CONFIG;
    private static final Jinjava JINJAVA;

    /** Deepest nesting of (), [] and {} a template may have; real templates stay under 10. */
    public static final int MAX_NESTING = 100;

    /** Tags that load other templates: a chat template is one self-contained file. */
    private static final Set<String> LOADING_TAGS = Set.of("include", "import", "from", "extends");

    static {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PyMethodResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        CONFIG = configBuilder(TemplateLimits.DEFAULT).withElResolver(resolver).build();
        JINJAVA = new Jinjava(CONFIG);
        JINJAVA.setResourceLocator((name, encoding, interpreter) -> {
            throw new ResourceNotFoundException("a chat template cannot load other files ('" + name + "')");
        });
        JINJAVA.registerFilter(new JinjaShims.ToJsonFilter());
        JINJAVA.registerFilter(new JinjaShims.ItemsFilter());
        JINJAVA.registerExpTest(new JinjaShims.IterableTest());
        JINJAVA.registerFunction(new ELFunctionDefinition("", "raise_exception", JinjaShims.class, "raiseException", Object.class));
        JINJAVA.registerFunction(new ELFunctionDefinition("", "strftime_now", JinjaShims.class, "strftimeNow", String.class));
    }

    private static final CompositeELResolver RESOLVER = (CompositeELResolver) CONFIG.getElResolver();

    private static JinjavaConfig.Builder configBuilder(TemplateLimits limits) {
        return JinjavaConfig.newBuilder()
                .withDisabled(Map.of(Context.Library.TAG, LOADING_TAGS))
                .withMaxOutputSize(limits.maxOutputChars())
                .withMaxStringLength(limits.maxOutputChars())
                .withMaxListSize(100_000)
                .withMaxMapSize(100_000)
                .withMaxMacroRecursionDepth(20)
                .withNodePreProcessor((node, interpreter) -> {
                    if (interpreter instanceof Budgeted b) b.budget.tick();
                })
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withParseWhitespaceControlStrictly(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withKeepNullableLoopValues(true)
                        .withUsePyishObjectMapper(true)
                        .withEvaluateMapKeys(true)
                        .withAllowAdjacentTextNodes(true)
                        .withHandleBackslashInQuotesOnly(true)
                        .build());
    }

    private final String source;
    private final Node root;
    private final String bosToken;
    private final String eosToken;

    private ChatTemplate(String source, String bosToken, String eosToken) {
        this.source = source;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        checkNesting(source);
        JinjavaInterpreter parser = newInterpreter(Map.of(), CONFIG, null);
        JinjavaInterpreter.pushCurrent(parser);
        try {
            this.root = parser.parse(TemplateRewriter.rewrite(source));
        } catch (RuntimeException e) {
            throw new ChatTemplateException("chat template does not parse: " + rootMessage(e), e);
        } catch (StackOverflowError e) {
            throw new ChatTemplateException("chat template does not parse: it nests too deeply");
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
        return render(messages, tools, addGenerationPrompt, extraVariables, TemplateLimits.DEFAULT);
    }

    /**
     * {@link #render(List, List, boolean, Map)} within {@code limits}, on a virtual thread of its own: the caller
     * waits at most the limit's timeout, and an interrupted caller (a request abandoned) stops the rendering too.
     */
    public String render(List<Map<String, Object>> messages, List<Map<String, Object>> tools,
                         boolean addGenerationPrompt, Map<String, Object> extraVariables, TemplateLimits limits) {
        FutureTask<String> task = new FutureTask<>(
                () -> renderHere(messages, tools, addGenerationPrompt, extraVariables, limits));
        Thread.ofVirtual().name("chat-template").start(task);
        long waitMs = limits.timeout().toMillis() + 1000; // the thread times itself out first; this is the backstop
        try {
            return task.get(waitMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            task.cancel(true);
            throw new ChatTemplateException("rendering took longer than " + limits.timeout().toMillis() + " ms");
        } catch (InterruptedException e) {
            task.cancel(true);
            Thread.currentThread().interrupt();
            throw new ChatTemplateException("rendering was abandoned");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new ChatTemplateException(rootMessage(e.getCause()), e.getCause());
        }
    }

    private String renderHere(List<Map<String, Object>> messages, List<Map<String, Object>> tools,
                              boolean addGenerationPrompt, Map<String, Object> extraVariables, TemplateLimits limits) {
        Map<String, Object> vars = new HashMap<>();
        vars.put("bos_token", bosToken);
        vars.put("eos_token", eosToken);
        if (extraVariables != null) vars.putAll(extraVariables);
        vars.put("messages", messages);
        vars.put("tools", tools);
        vars.put("add_generation_prompt", addGenerationPrompt);
        Budget budget = new Budget(limits);
        JinjavaConfig config = limits.equals(TemplateLimits.DEFAULT) ? CONFIG
                : configBuilder(limits).withElResolver(RESOLVER).build();
        JinjavaInterpreter interpreter = newInterpreter(vars, config, budget);
        String out;
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            out = interpreter.render(root, true);
        } catch (TemplateLimitException e) {
            throw e;
        } catch (StackOverflowError e) {
            throw new ChatTemplateException("the chat template recursed too deeply");
        } catch (FatalTemplateErrorsException e) {
            budget.rethrowIfExceeded();
            throwIfTooBig(e, limits);
            throw new ChatTemplateException(fatalMessage(e.getErrors(), e), e);
        } catch (ChatTemplateException e) {
            throw e;
        } catch (RuntimeException e) {
            budget.rethrowIfExceeded();
            throwIfTooBig(e, limits);
            throw new ChatTemplateException(rootMessage(e), e);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        // Jinjava records some failures (a limit hit inside a loop, a disabled tag) as errors and renders on.
        budget.rethrowIfExceeded();
        List<TemplateError> fatal = interpreter.getErrors().stream()
                .filter(err -> err.getSeverity() == TemplateError.ErrorType.FATAL).toList();
        if (!fatal.isEmpty()) {
            for (TemplateError err : fatal) {
                if (err.getReason() == TemplateError.ErrorReason.OUTPUT_TOO_BIG
                        || err.getReason() == TemplateError.ErrorReason.COLLECTION_TOO_BIG) throw tooBig(limits);
                throwIfTooBig(err.getException(), limits);
            }
            throw new ChatTemplateException(fatalMessage(fatal, null));
        }
        for (TemplateError err : interpreter.getErrors()) {
            // A load refused or a tag disabled is only a warning to Jinjava; here it fails the rendering.
            if (err.getReason() == TemplateError.ErrorReason.DISABLED
                    || err.getReason() == TemplateError.ErrorReason.MISSING
                    || err.getException() instanceof com.hubspot.jinjava.interpret.DisabledException) {
                throw new ChatTemplateException(messageOf(err));
            }
        }
        if (out.length() > limits.maxOutputChars()) throw tooBig(limits);
        return out;
    }

    private static void throwIfTooBig(Throwable t, TemplateLimits limits) {
        for (int depth = 0; t != null && depth < 20; depth++, t = t.getCause()) {
            if (t instanceof com.hubspot.jinjava.interpret.OutputTooBigException
                    || t instanceof com.hubspot.jinjava.interpret.CollectionTooBigException) {
                throw tooBig(limits);
            }
        }
    }

    private static ChatTemplateException tooBig(TemplateLimits limits) {
        return new ChatTemplateException("the rendered prompt (or a string or list built on the way) exceeds "
                + limits.maxOutputChars() + " characters");
    }

    private static JinjavaInterpreter newInterpreter(Map<String, ?> vars, JinjavaConfig config, Budget budget) {
        Context context = new Context(JINJAVA.getGlobalContext(), vars, config.getDisabled());
        return budget == null ? new JinjavaInterpreter(JINJAVA, context, config)
                : new Budgeted(JINJAVA, context, config, budget);
    }

    /** Refuses a template whose brackets nest deeper than {@link #MAX_NESTING}, before the recursive parser sees it. */
    static void checkNesting(String source) {
        int depth = 0;
        for (int i = 0; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                if (++depth > MAX_NESTING) {
                    throw new ChatTemplateException("chat template does not parse: brackets nest more than "
                            + MAX_NESTING + " deep (at character " + i + ")");
                }
            } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                depth--;
            }
        }
    }

    /** Thrown from inside a rendering that went past its {@link TemplateLimits}. */
    static final class TemplateLimitException extends ChatTemplateException {
        private static final long serialVersionUID = 1L;

        TemplateLimitException(String message) {
            super(message);
        }
    }

    /** Counts a rendering's steps and watches its clock and its thread's interrupt flag. */
    private static final class Budget {
        private final long maxSteps;
        private final long deadlineNanos;
        private final long timeoutMs;
        private long steps;
        private volatile TemplateLimitException exceeded;

        Budget(TemplateLimits limits) {
            this.maxSteps = limits.maxSteps();
            this.timeoutMs = limits.timeout().toMillis();
            this.deadlineNanos = System.nanoTime() + limits.timeout().toNanos();
        }

        void tick() {
            if (exceeded != null) throw exceeded;
            if (++steps > maxSteps) {
                throw exceeded = new TemplateLimitException("the chat template took more than " + maxSteps
                        + " steps (nodes, loop iterations and expressions)");
            }
            if ((steps & 255) == 0) {
                if (System.nanoTime() > deadlineNanos) {
                    throw exceeded = new TemplateLimitException("rendering took longer than " + timeoutMs + " ms");
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw exceeded = new TemplateLimitException("rendering was abandoned");
                }
            }
        }

        void rethrowIfExceeded() {
            if (exceeded != null) throw exceeded;
        }
    }

    /** An interpreter that spends its {@link Budget} on every loop iteration and expression. */
    private static final class Budgeted extends JinjavaInterpreter {
        final Budget budget;

        Budgeted(Jinjava jinjava, Context context, JinjavaConfig config, Budget budget) {
            super(jinjava, context, config);
            this.budget = budget;
        }

        @Override
        public Object wrap(Object value) {
            budget.tick(); // once per for-loop iteration
            return super.wrap(value);
        }

        @Override
        public Object resolveELExpression(String expression, int lineNumber) {
            budget.tick();
            return super.resolveELExpression(expression, lineNumber);
        }

        @Override
        public Object resolveELExpression(String expression, int lineNumber, int startPosition) {
            budget.tick();
            return super.resolveELExpression(expression, lineNumber, startPosition);
        }
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
