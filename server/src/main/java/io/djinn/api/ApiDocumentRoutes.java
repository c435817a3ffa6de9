package io.djinn.api;

import io.smallrye.openapi.ui.IndexHtmlCreator;
import io.smallrye.openapi.ui.Option;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The OpenAPI document at {@code /q/openapi} (YAML, or JSON by {@code ?format=json}, an {@code Accept} of
 * {@code application/json} or the {@code .json} suffix, as SmallRye OpenAPI's own handler chooses) and Swagger UI over
 * it at {@code /q/swagger-ui}, both open like {@code /q/health}.
 *
 * <p>The document is a file made at build time ({@code openapi.json}, {@code openapi.yaml} beside this class), read on
 * the first request. Why not SmallRye OpenAPI's extension at run time: it re-reads its build-time document, applies
 * its filters and writes it as JSON and YAML on {@code main} at every start, about a quarter of {@code main}'s time to
 * HTTP up with the AOT cache (README, Start-up), for a document no start changes. The extension still makes the
 * document, in the tests (it is a test dependency): {@code OpenApiDocumentTest} fails when these files differ from
 * what it makes from the annotations, and rewrites them.
 */
@ApplicationScoped
public class ApiDocumentRoutes {

    static final String DOCUMENT = "/q/openapi";
    static final String UI = "/q/swagger-ui";
    private static final String TITLE = "Djinn OpenAI-compatible API";
    /** Swagger UI's assets in SmallRye's UI jar: plain names only, so no path can climb out of that folder. */
    private static final String ASSETS = "META-INF/resources/openapi-ui/";
    private static final Pattern ASSET_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private final Map<String, Optional<byte[]>> files = new ConcurrentHashMap<>();

    void routes(@Observes Router router) {
        router.get(DOCUMENT).handler(ctx -> document(ctx, formatOf(ctx)));
        router.get(DOCUMENT + ".json").handler(ctx -> document(ctx, "json"));
        router.get(DOCUMENT + ".yaml").handler(ctx -> document(ctx, "yaml"));
        router.get(DOCUMENT + ".yml").handler(ctx -> document(ctx, "yaml"));
        // Vert.x matches "/q/swagger-ui/" to this route too; the page's relative asset links need the slash
        router.get(UI).handler(ctx -> {
            if (ctx.request().path().endsWith("/")) {
                serve(ctx, "index.html", this::indexHtml);
            } else {
                ctx.redirect(UI + "/");
            }
        });
        router.get(UI + "/:asset").handler(ctx -> {
            String name = ctx.pathParam("asset");
            if (!ASSET_NAME.matcher(name).matches()) {
                ctx.next(); // not an asset name: whatever else answers (a 404)
                return;
            }
            serve(ctx, name, () -> resource(ASSETS + name));
        });
    }

    /** "json" or "yaml": the query parameter first, then the Accept header; YAML by default. */
    static String formatOf(RoutingContext ctx) {
        String param = ctx.queryParams().get("format");
        if (param != null) {
            return param.equalsIgnoreCase("json") ? "json" : "yaml";
        }
        String accept = ctx.request().getHeader("Accept");
        return accept != null && accept.contains("application/json") ? "json" : "yaml";
    }

    private void document(RoutingContext ctx, String format) {
        serve(ctx, "openapi." + format, () -> resource("io/djinn/api/openapi." + format));
    }

    private void serve(RoutingContext ctx, String name, java.util.function.Supplier<Optional<byte[]>> load) {
        Optional<byte[]> cached = files.get(name);
        if (cached != null) {
            answer(ctx, name, cached);
            return;
        }
        // read once, off the event loop (Swagger UI's bundle is 1.4 MB in a jar)
        ctx.vertx().executeBlocking(() -> files.computeIfAbsent(name, n -> load.get()), false)
                .onComplete(r -> {
                    if (r.failed()) {
                        ctx.fail(r.cause());
                    } else {
                        answer(ctx, name, r.result());
                    }
                });
    }

    private static void answer(RoutingContext ctx, String name, Optional<byte[]> body) {
        if (body.isEmpty()) {
            ctx.next();
            return;
        }
        ctx.response().putHeader("Content-Type", contentType(name)).end(Buffer.buffer(body.get()));
    }

    static String contentType(String name) {
        String ext = name.substring(name.lastIndexOf('.') + 1);
        return switch (ext) {
            case "json", "map" -> "application/json;charset=UTF-8";
            case "yaml" -> "application/yaml;charset=UTF-8";
            case "html" -> "text/html;charset=UTF-8";
            case "js" -> "text/javascript;charset=UTF-8";
            case "css" -> "text/css;charset=UTF-8";
            case "png" -> "image/png";
            case "ico" -> "image/x-icon";
            default -> "application/octet-stream";
        };
    }

    private Optional<byte[]> indexHtml() {
        try {
            // a mutable map: the creator adds its defaults to it
            Map<Option, String> options = new EnumMap<>(Option.class);
            options.put(Option.url, DOCUMENT);
            options.put(Option.title, TITLE);
            options.put(Option.selfHref, UI + "/");
            options.put(Option.oauth2RedirectUrl, UI + "/oauth2-redirect.html");
            return Optional.of(IndexHtmlCreator.createIndexHtml(options));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<byte[]> resource(String path) {
        try (InputStream in = ApiDocumentRoutes.class.getClassLoader().getResourceAsStream(path)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
