#!/usr/bin/env bash
# Image build step: one training run of the packaged app that writes the JDK 25 AOT cache (JEP 483/514/515).
# It starts the server on the generated tiny checkpoint, sends a chat completion (JSON and streamed) so the
# request path is in the cache, then stops it with SIGTERM; the JVM writes the cache at exit. The same JDK
# build must run the cache, so this runs in the runtime image itself.
set -euo pipefail
cd /deployments
export DJL_CACHE_DIR=/tmp/aot-djl ENGINE_CACHE_DIR=/tmp/aot-djl
java -XX:AOTCacheOutput=/deployments/app.aot ${JAVA_OPTS} \
  -Dquarkus.http.port=18000 -Ddjinn.model.cache-dir=/tmp/aot-model -Ddjinn.shutdown.grace-period=5s \
  -jar quarkus-run.jar &
pid=$!
for _ in $(seq 1 300); do
  curl -sf localhost:18000/health >/dev/null && break
  sleep 0.5
done
body='{"messages":[{"role":"user","content":"Hello"}],"max_tokens":8}'
curl -sf localhost:18000/v1/models >/dev/null
curl -sf localhost:18000/v1/chat/completions -H 'Content-Type: application/json' -d "$body" >/dev/null
curl -sf localhost:18000/v1/chat/completions -H 'Content-Type: application/json' \
  -d '{"messages":[{"role":"user","content":"Hello"}],"max_tokens":8,"stream":true}' >/dev/null
kill -TERM "$pid"
wait "$pid" || true
test -s /deployments/app.aot
rm -rf /tmp/aot-djl /tmp/aot-model
