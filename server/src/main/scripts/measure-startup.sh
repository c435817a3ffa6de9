#!/usr/bin/env bash
# Measures Djinn's cold start in JVM mode, with and without the JDK 25 AOT cache, for the small default checkpoint,
# a SmolLM-135M-shaped float32 one and the same shape in bfloat16 split into two shards:
#  - time to ready: process start -> GET /health answers 200 (model loaded, warmed up, engine running);
#  - Quarkus' own "started in" (HTTP up, the model still loading);
#  - the breakdown the server logs: JVM start to main, main to HTTP up ("Start-up timings"), and the model loader's
#    wait for HTTP up, then libtorch, weights, tokenizer and warm-up ("Loader timings"; the tokenizer loads beside
#    libtorch and the weights, and prepared weights are read beside libtorch);
#  - the first request after ready (streamed, 32 tokens, ignore_eos): time to its first token (the first content
#    chunk, after the role chunk) and its total time, against a warm request's total time (the third request).
#
#   server/src/main/scripts/measure-startup.sh [runs-per-case]      (default 3; prints a Markdown table of medians)
#
# CASES="tiny smollm-135m smollm-135m-bf16" and MODES="jvm jvm+aot" (the defaults) pick what runs.
# Each case starts once untimed first, which writes its prepared weights (djinn.model.prepared-weights) into the
# cache, so the timed starts read them, as a restarted pod that keeps its cache volume does. FRESH=1 deletes the
# prepared weights before every timed start instead: the first start on a new cache, which folds the checkpoint.
# The AOT cache is made the way the container image makes it (src/main/docker/aot-train.sh): one training run
# with -XX:AOTCacheOutput that serves a few requests and exits on SIGTERM. Everything lives under
# target/startup; nothing is downloaded. Figures are only as quiet as the machine: on a shared one, run it alone.
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

SMOL_BF16="$OUT/smollm-135m-bf16"
if [ ! -f "$SMOL_BF16/config.json" ]; then
  echo "generating the SmolLM-135M-shaped bf16 checkpoint (two shards) into $SMOL_BF16" >&2
  $JAVA $JVM_ARGS -jar "$APP/quarkus-run.jar" generate-checkpoint --out "$SMOL_BF16" --preset smollm-135m \
    --dtype BF16 --shard-mb 160 >&2
fi
CASES=${CASES:-tiny smollm-135m smollm-135m-bf16}
MODES=${MODES:-jvm jvm+aot}

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

REQUEST='{"messages":[{"role":"user","content":"Tell me a story"}],"max_tokens":32,"ignore_eos":true,"stream":true}'

# stream_request: prints "TTFT_MS TOTAL_MS" for one streamed 32-token request (TTFT: the first content chunk,
# i.e. the second data: line, the first being the role chunk)
stream_request() {
  local t0 first="" n=0 line
  t0=$(now_ms)
  while IFS= read -r line; do
    case "$line" in
      data:*) n=$((n + 1)); [ $n -eq 2 ] && first=$(( $(now_ms) - t0 )) ;;
    esac
  done < <(curl -sN "localhost:$PORT/v1/chat/completions" -H 'Content-Type: application/json' -d "$REQUEST")
  echo "${first:-NA} $(( $(now_ms) - t0 ))"
}

# log_ms LOG REGEX: the number of milliseconds the regex's last group captures in the log ("NA" when absent)
log_ms() { grep -oE "$2" "$1" | head -1 | grep -oE '[0-9]+' | tail -1 || true; }

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "NA"} else print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
s_of() { awk -v v="$1" 'BEGIN{ if (v == "NA" || v == "") print "NA"; else printf "%.2f", v/1000 }'; }

echo "| checkpoint | mode | ready s | started in s | JVM→main | main→HTTP up | libtorch | weights | tokenizer | warm-up | first req: 1st token | first req: 32 tokens | warm req: 32 tokens |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for model in $CASES; do
  model_args=()
  case "$model" in
    smollm-135m) model_args=("-Ddjinn.model.path=$PWD/$SMOL") ;;
    smollm-135m-bf16) model_args=("-Ddjinn.model.path=$PWD/$SMOL_BF16") ;;
  esac
  # untimed: the case's prepared weights written (the server writes them beside serving, after ready)
  start_server "$OUT/$model-prepare.log" "" "${model_args[@]}"
  wait_ready
  for _ in $(seq 1 600); do
    grep -q "Wrote the prepared weights\|Could not write the prepared weights\|(prepared)" "$OUT/$model-prepare.log" && break
    sleep 0.1
  done
  stop_server
  for mode in $MODES; do
    aot=""
    [ "$mode" = jvm+aot ] && aot="-XX:AOTCache=$PWD/$OUT/app.aot"
    declare -A col=()
    for k in ready started jvm http libtorch weights tokenizer warmup ttft first warm; do col[$k]=""; done
    for i in $(seq 1 "$RUNS"); do
      log="$OUT/$model-$mode-$i.log"
      [ "${FRESH:-0}" = 1 ] && rm -rf "$OUT/cache/prepared"
      t0=$(now_ms)
      start_server "$log" "$aot" "${model_args[@]}"
      wait_ready
      col[ready]+="$(( $(now_ms) - t0 )) "
      read -r ttft first < <(stream_request)
      stream_request >/dev/null
      read -r _ warm < <(stream_request)
      col[ttft]+="$ttft "; col[first]+="$first "; col[warm]+="$warm "
      st=$(grep -o 'started in [0-9.]*s' "$log" | grep -o '[0-9.]*' | head -1)
      col[started]+="$(awk -v v="$st" 'BEGIN{printf "%d", v*1000}') "
      col[jvm]+="$(log_ms "$log" 'JVM to main [0-9]+ ms') "
      col[http]+="$(log_ms "$log" 'main to HTTP up [0-9]+ ms') "
      col[libtorch]+="$(log_ms "$log" 'libtorch [0-9]+ ms') "
      col[weights]+="$(log_ms "$log" 'weights [0-9]+ ms') "
      col[tokenizer]+="$(log_ms "$log" 'tokenizer [0-9]+ ms') "
      col[warmup]+="$(log_ms "$log" 'warm-up [0-9]+ ms') "
      stop_server
      echo "  $model $mode run $i: ready in $(echo ${col[ready]} | awk '{print $NF}') ms" >&2
    done
    row="| $model | $mode"
    for k in ready started jvm http libtorch weights tokenizer warmup ttft first warm; do
      m=$(printf '%s\n' ${col[$k]} | grep -E '^[0-9.]+$' | median)
      row+=" | $(s_of "$m")"
    done
    echo "$row |"
    echo "  ($model $mode runs, ready ms: ${col[ready]}; first request ms: ${col[first]}; warm request ms: ${col[warm]})" >&2
    unset col
  done
done
