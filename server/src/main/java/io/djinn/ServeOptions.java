package io.djinn;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code serve}'s options: every {@code --djinn.*} or {@code --quarkus.*} setting ({@code --key=value} or
 * {@code --key value}) becomes configuration, as a system property set before Quarkus starts (the same source as
 * {@code -Dkey=value}, above environment variables and application.properties). Anything else is refused naming it,
 * so a mistyped option never starts the default model unnoticed.
 */
record ServeOptions(Map<String, String> settings, boolean help) {

    static final String USAGE = """
            usage: djinn serve [--djinn.KEY=VALUE | --quarkus.KEY=VALUE]...

              Runs the OpenAI-compatible server. Each option sets one configuration property for this run, as
              -Dkey=value or the environment variable would (README, Configuration, lists them), for example:
                --djinn.model.path=/models/qwen3-0.6b   a checkpoint folder or a Hub repository id
                --djinn.model.device=cuda:0             cpu or cuda:N
                --quarkus.http.port=8080                the HTTP port (default 8000)
              -h, --help                                this text
            """;

    /** @throws IllegalArgumentException naming the first argument that is not a setting */
    static ServeOptions parse(String[] args) {
        Map<String, String> settings = new LinkedHashMap<>();
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                help = true;
                continue;
            }
            if (!a.startsWith("--djinn.") && !a.startsWith("--quarkus.")) {
                throw new IllegalArgumentException("unknown option '" + a + "': serve takes --djinn.* and "
                        + "--quarkus.* settings (see serve --help)");
            }
            String key = a.substring(2);
            int eq = key.indexOf('=');
            if (eq >= 0) {
                settings.put(key.substring(0, eq), key.substring(eq + 1));
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                settings.put(key, args[++i]);
            } else {
                throw new IllegalArgumentException("option '" + a + "' needs a value (--" + key + "=VALUE)");
            }
        }
        return new ServeOptions(Map.copyOf(settings), help);
    }

    /** Makes the settings configuration of the application about to start. */
    void apply() {
        settings.forEach(System::setProperty);
    }
}
