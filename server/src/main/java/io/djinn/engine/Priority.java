package io.djinn.engine;

/** Scheduling class of a request: {@code service_tier: "priority"} maps to {@link #HIGH}. */
public enum Priority {
    DEFAULT,
    HIGH
}
