package io.djinn.ratelimit;

/** One limit as the response headers report it: the limit, what is left now, and ms until the bucket is full. */
public record Window(int limit, long remaining, long resetMillis) {}
