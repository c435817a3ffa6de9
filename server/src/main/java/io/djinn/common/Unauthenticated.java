package io.djinn.common;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a REST resource (class or method) that answers without credentials: probes and metrics. The auth filter
 * decides protection by the matched resource, and a resource that carries neither this nor an OpenAPI security
 * requirement is protected by client keys, so a route added without thought fails closed.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Unauthenticated {}
