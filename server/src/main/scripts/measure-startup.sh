#!/usr/bin/env bash
# Measures Djinn's time to ready (process start -> GET /health answers 200, i.e. model loaded and engine running)
# in JVM mode, with and without the JDK 25 AOT cache, for the small default checkpoint and for the
# SmolLM-135M-shaped one. Also reports Quarkus' own "started in" (HTTP up, model still loading).
#
#   server/src/main/scripts/measure-startup.sh [runs-per-case]      (default 3; prints a Markdown table)
#
# The AOT cache is made the way the container image makes it (src/main/docker/aot-train.sh): one training run
# with -XX:AOTCacheOutput that serves a few requests and exits on SIGTERM. Everything lives under
# target/startup; nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")/../../.."   # the server module; ./mvnw is one folder up
RUNS=${1:-3}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
JVM_ARGS="--enable-native-access=ALL-UNNAMED -Dai.djl.offline=true -DDJL_OFFLINE=true -Dai.djl.pytorch.num_interop_threads=1"
export DJL_OFFLINE=true
APP=target/quarkus-app
OUT=target/startup
PORT=${PORT:-18765}
mkdir -p "$OUT"
[ -f "$APP/quarkus-run.jar" ] || (cd .. && ./mvnw -B -q package -DskipTests -pl server)

SMOL="$OUT/smollm-135m"
if [ ! -f "$SMOL/config.json" ]; then
  echo "generating the SmolLM-135M-shaped checkpoint into $SMOL" >&2
  $JAVA $JVM_ARGS -jar "$APP/quarkus-run.jar" generate-checkpoint --out "$SMOL" --preset smollm-135m >&2
fi

now_ms() { date +%s%3N; }

# start_server LOG AOT_FLAG MODEL_ARGS... ; sets PID
start_server() {
  local log=$1 aot=$2; shift 2
  (cd "$APP" && exec $JAVA $aot $JVM_ARGS -Dquarkus.http.port=$PORT -Ddjinn.model.cache-dir="$PWD/../startup/cache" \
     -Ddjinn.shutdown.grace-period=5s "$@" -jar quarkus-run.jar) > "$log" 2>&1 &
  PID=$!
}

wait_ready() {
  for _ in $(seq 1 1200); do
    if curl -sf -o /dev/null "localhost:$PORT/health"; then return 0; fi
    kill -0 "$PID" 2>/dev/null || { echo "server died" >&2; return 1; }
    sleep 0.05
  done
  echo "not ready in 60 s" >&2; return 1
}

stop_server() { kill -TERM "$PID"; wait "$PID" || true; }

# One untimed start generates the tiny default checkpoint and warms the OS page cache and DJL's native cache.
start_server "$OUT/warmup.log" ""
wait_ready; stop_server

if [ ! -s "$OUT/app.aot" ] || [ "$APP/quarkus-run.jar" -nt "$OUT/app.aot" ]; then
  echo "training run: writing $OUT/app.aot" >&2
  start_server "$OUT/train.log" "-XX:AOTCacheOutput=$PWD/$OUT/app.aot"
  wait_ready
  curl -sf -o /dev/null "localhost:$PORT/v1/models"
  curl -sf -o /dev/null "localhost:$PORT/v1/chat/completions" -H 'Content-Type: application/json' \
    -d '{"messages":[{"role":"user","content":"Hello"}],"max_tokens":8}'
  curl -sf -o /dev/null "localhost:$PORT/v1/chat/completions" -H 'Content-Type: application/json' \
    -d '{"messages":[{"role":"user","content":"Hello"}],"max_tokens":8,"stream":true}'
  stop_server
  test -s "$OUT/app.aot"
fi

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "| checkpoint | mode | time to ready (median of $RUNS) | Quarkus started in (median) |"
echo "|---|---|---|---|"
for model in tiny smollm-135m; do
  model_args=()
  [ "$model" = smollm-135m ] && model_args=("-Ddjinn.model.path=$PWD/$SMOL")
  for mode in jvm jvm+aot; do
    aot=""
    [ "$mode" = jvm+aot ] && aot="-XX:AOTCache=$PWD/$OUT/app.aot"
    ready=(); started=()
    for i in $(seq 1 "$RUNS"); do
      log="$OUT/$model-$mode-$i.log"
      t0=$(now_ms)
      start_server "$log" "$aot" "${model_args[@]}"
      wait_ready
      ready+=($(( $(now_ms) - t0 )))
      started+=("$(grep -o 'started in [0-9.]*s' "$log" | grep -o '[0-9.]*' | head -1)")
      stop_server
    done
    r=$(printf '%s\n' "${ready[@]}" | median)
    s=$(printf '%s\n' "${started[@]}" | median)
    echo "| $model | $mode | $(awk -v v="$r" 'BEGIN{printf "%.2f s", v/1000}') (runs: ${ready[*]} ms) | ${s} s |"
  done
done
