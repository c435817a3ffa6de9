package io.djinn.api;

import io.quarkus.arc.DefaultBean;
import io.quarkus.vertx.http.HttpServerStart;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.util.List;
import java.util.Locale;
import org.hibernate.validator.HibernateValidator;
import org.jboss.logging.Logger;

/**
 * Hibernate Validator for the request records, its factory built once HTTP is up rather than on the way there.
 *
 * <p>Why Djinn builds it: Quarkus' Hibernate Validator extension builds the factory and the metadata of every
 * constrained class eagerly on {@code main} before HTTP comes up, about a quarter of {@code main}'s time to HTTP up
 * with the AOT cache (README, Start-up). Here the factory is built on a worker when the HTTP server announces itself,
 * beside the model's loading (whose thread mostly waits on the dynamic loader then), with the request records'
 * metadata, so the first request does not pay for it; a request that comes earlier builds it itself. Messages are
 * the library's own, in English whatever the host's locale.
 *
 * <p>In a native image the extension is present (the {@code native} Maven profile), its eager build happens when the
 * image is built, and its {@code Validator} bean replaces this default one.
 */
@ApplicationScoped
public class RequestValidation {
    private static final Logger LOG = Logger.getLogger(RequestValidation.class);
    /** Every type {@link RequestParser} validates. */
    static final List<Class<?>> REQUEST_TYPES = List.of(ChatCompletionRequest.class, CompletionRequest.class,
            ResponsesRequest.class, TokenizeRequest.class, DetokenizeRequest.class);

    private ValidatorFactory factory;
    private Validator validator;

    @Produces
    @DefaultBean
    @Singleton
    Validator validator() {
        return built();
    }

    /** Builds the factory (once) and the request types' metadata through whichever Validator bean is in use. */
    void prepare(@ObservesAsync HttpServerStart started, Instance<Validator> validators) {
        long begin = System.nanoTime();
        Validator v = validators.get();
        REQUEST_TYPES.forEach(v::getConstraintsForClass);
        LOG.debugf("Request validation ready in %d ms", (System.nanoTime() - begin) / 1_000_000);
    }

    private synchronized Validator built() {
        if (validator == null) {
            factory = Validation.byProvider(HibernateValidator.class).configure()
                    .defaultLocale(Locale.ENGLISH)
                    .locales(Locale.ENGLISH)
                    .buildValidatorFactory();
            validator = factory.getValidator();
        }
        return validator;
    }

    @PreDestroy
    synchronized void close() {
        if (factory != null) {
            factory.close();
        }
    }
}
