package io.djinn.common;

import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.security.SecuritySchemes;

/**
 * The OpenAPI document's security schemes (/q/openapi; Swagger UI at /q/swagger-ui): client keys and the admin token
 * both travel as {@code Authorization: Bearer}. Resources name theirs with {@code @SecurityRequirement}. SmallRye
 * OpenAPI reads these annotations from the JAX-RS Application class; with no classes of its own, it keeps every
 * resource as it is.
 */
@OpenAPIDefinition(info = @Info(title = "Djinn OpenAI-compatible API", version = "1"))
@SecuritySchemes({
    @SecurityScheme(securitySchemeName = ApiDocumentation.CLIENT, type = SecuritySchemeType.HTTP, scheme = "bearer",
            description = "A client API key (djinn.auth.api-keys or a managed key from /admin/v1/keys); required "
                    + "when keys are configured"),
    @SecurityScheme(securitySchemeName = ApiDocumentation.ADMIN, type = SecuritySchemeType.HTTP, scheme = "bearer",
            description = "The admin token (djinn.admin.token); the admin API is off without it")})
public class ApiDocumentation extends jakarta.ws.rs.core.Application {

    public static final String CLIENT = "client_key";
    public static final String ADMIN = "admin_token";

}
