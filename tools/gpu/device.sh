#!/usr/bin/env bash
# Runs Djinn on a CUDA machine that has a pip PyTorch (any version) but no JDK and no network, from the .gpu/ folder
# made by tools/gpu/pack.sh (adapted from ../shared/gpu/device.sh for the two-module build: the benchmarks come from
# the tools jar, the JNI from server/src/main/scripts/build-djl-jni.sh, with the old inline build as a fallback).
# Phases (default: parity model bench hf func bf16); everything goes to $OUT (or /tmp/out).
#   parity  greedy tokens on cuda:0 (float32) equal to cpu (float32) for 3 prompts, small checkpoint
#   model   bench-model on cuda:0 float16, 1.07B checkpoint: ops per decode step (1 and 16 rows), step times
#   bench   bench-serve against Djinn on cuda:0 (float16, CUDA defaults), 1.07B checkpoint, CONC levels
#   hf      Hugging Face transformers generate() on the same 1.07B checkpoint (the eager PyTorch baseline)
#   func    functional_check.py (structured outputs, tools, n, seeds, logprobs, streaming, 32 mixed) on cuda:0
#   bf16    the 1.07B checkpoint served in bfloat16 (dtype auto), one greedy request, one bench-serve level
set -u
G=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
exec > >(tee -a "$OUT/log") 2>&1
t0=$(date +%s); ts() { echo "[$(( $(date +%s) - t0 ))s] $*"; }
PHASES=${*:-parity model bench hf func bf16}
W=/tmp/djinn-gpu; mkdir -p $W
PY=python3
TORCH=$($PY -c 'import torch,os;print(os.path.dirname(torch.__file__))')
TV=$($PY -c 'import torch;print(torch.__version__.split("+")[0])')
CU=$($PY -c 'import torch;print("cu"+torch.version.cuda.replace(".","")[:3])')
ABI=$($PY -c 'import torch;print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
ts "torch $TV ($CU) at $TORCH; GPU: $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>&1)"

[[ -x $W/jre/bin/java ]] || (cd $W && xz -dc "$G/bundle.tar.xz" | tar -x) || { ts "unpack failed"; exit 1; }
JAVA=$W/jre/bin/java
JFLAGS="-Dai.djl.offline=true --enable-native-access=ALL-UNNAMED"
DJINN="$JAVA $JFLAGS -jar $W/app/quarkus-run.jar"
TOOLS="$JAVA $JFLAGS -cp $W/app/djinn-tools.jar:$W/app/lib/boot/*:$W/app/lib/main/*:$W/app/app/* io.djinn.bench.Tools"

build_jni_inline() {   # the known-good build of ../shared/gpu/device.sh (no bfloat16 mapping)
  local N=$G/djl-native/native FLAGS CUDA_INC=""
  for d in /usr/local/cuda/include $TORCH/../nvidia/cuda_runtime/include $TORCH/../nvidia/cu13/include; do [ -d $d ] && CUDA_INC="$CUDA_INC -I$d"; done
  FLAGS="-O2 -fPIC -w -D_GLIBCXX_USE_CXX11_ABI=$ABI -DUSE_CUDA -I$TORCH/include -I$TORCH/include/torch/csrc/api/include $CUDA_INC -I$G/djl-native/include -I$N"
  rm -rf $W/obj; mkdir -p $W/obj; local pids=()
  for f in $N/*.cc; do
    b=$(basename $f .cc)
    ( srcs="$f"; [ $b = ai_djl_pytorch_jni_PyTorchLibrary_system ] && srcs="$f $G/djl-native/system_noprof.cc"
      for s in $srcs; do for std in c++17 c++20; do
        g++ $FLAGS -std=$std -c $s -o $W/obj/$b.o 2>>$W/obj/$b.err && { rm -f $W/obj/$b.err; exit 0; }
      done; done; exit 1 ) &
    pids+=($!)
  done; wait "${pids[@]}"
  g++ -shared -o $W/libdjl_torch.so $W/obj/*.o -L$TORCH/lib -ltorch -ltorch_cpu -ltorch_cuda -lc10 -lc10_cuda -Wl,-rpath,'$ORIGIN' \
    || { ts "inline link failed"; return 1; }
  cp $W/libdjl_torch.so $TORCH/lib/libdjl_torch.so && ts "JNI built inline (no bfloat16) for torch $TV"
}
if [[ ! -f $TORCH/lib/libdjl_torch.so ]]; then
  bash $G/build-djl-jni.sh --torch $TORCH --djl-src $G/djl-native --version $TV --abi $ABI --work $W/jni > $OUT/jni-build.log 2>&1 \
    && ts "JNI built by build-djl-jni.sh for torch $TV ($(tail -n 2 $OUT/jni-build.log | tr '\n' ' ' | cut -c1-200))" \
    || { ts "build-djl-jni.sh failed: $(tail -c 1500 $OUT/jni-build.log)"; build_jni_inline || exit 2; }
fi
export PYTORCH_LIBRARY_PATH=$TORCH/lib PYTORCH_VERSION=$TV PYTORCH_FLAVOR=$CU

[[ -f $W/small/model.safetensors ]] || $DJINN generate-checkpoint --out $W/small --preset smollm-135m >$W/gen-small.log 2>&1 \
  || { ts "small checkpoint failed"; tail -c 2000 $W/gen-small.log; }
need_big() { [[ -f $W/big/model.safetensors ]] || $PY $G/make_big_checkpoint.py $W/small $W/big >$W/gen-big.log 2>&1 || { ts "big checkpoint failed"; tail -c 2000 $W/gen-big.log; }; }

start() { # start NAME PORT ENV...: server on loopback, waits for /health 200
  local name=$1 port=$2; shift 2
  env "$@" QUARKUS_HTTP_PORT=$port QUARKUS_HTTP_HOST=127.0.0.1 $DJINN >$OUT/server-$name.log 2>&1 &
  echo $! > $W/$name.pid
  for i in $(seq 1 240); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/health)" = 200 ] && { ts "$name up ($(grep -o 'KV cache[^"]*' $OUT/server-$name.log | head -1 | cut -c1-160))"; return 0; }
    kill -0 $(cat $W/$name.pid) 2>/dev/null || { ts "$name died"; tail -c 3000 $OUT/server-$name.log; return 1; }
    sleep 0.5
  done; ts "$name not ready"; tail -c 2000 $OUT/server-$name.log; return 1
}
stop() { kill $(cat $W/$1.pid) 2>/dev/null; for i in $(seq 20); do kill -0 $(cat $W/$1.pid) 2>/dev/null || break; sleep 0.5; done; kill -9 $(cat $W/$1.pid) 2>/dev/null; }
greedy() { curl -s http://127.0.0.1:$1/v1/chat/completions -H 'Content-Type: application/json' \
  -d "{\"messages\":[{\"role\":\"user\",\"content\":\"$2\"}],\"max_tokens\":24,\"temperature\":0,\"logprobs\":true}" \
  | $PY -c 'import sys,json; print(json.dumps([t["token"] for t in json.load(sys.stdin)["choices"][0]["logprobs"]["content"]]))' 2>&1; }
util() { ( for i in $(seq 120); do nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader; sleep 1; done > $OUT/gpu-util-$1.log ) & echo $!; }

for phase in $PHASES; do case $phase in
parity)
  start gpu32 8101 DJINN_MODEL_PATH=$W/small DJINN_MODEL_DEVICE=cuda:0 DJINN_MODEL_DTYPE=float32 DJINN_ENGINE_MAX_NUM_SEQS=8 &&
  start cpu32 8102 DJINN_MODEL_PATH=$W/small DJINN_MODEL_DEVICE=cpu DJINN_MODEL_DTYPE=float32 && {
    same=0; for p in "Hello there" "Write a poem about the sea" "1 2 3 4 5"; do
      a=$(greedy 8101 "$p"); b=$(greedy 8102 "$p"); [ "$a" = "$b" ] && same=$((same+1)) || echo "  differ: $a | $b" | cut -c1-400; done
    ts "parity: $same/3 identical greedy token sequences (cuda:0 float32 vs cpu float32)"; }
  stop gpu32; stop cpu32 ;;
model)
  need_big
  timeout 150 $TOOLS bench-model --model $W/big --device cuda:0 --dtype float16 --prompt 16 --tokens 128 --rows 16 \
      --json $OUT/bench-model-gpu.json > $OUT/bench-model.log 2>&1; ts "bench-model exit $?"; grep -v "^\s*at \|INFO\|WARN" $OUT/bench-model.log | tail -14 ;;
bench)
  need_big; smi=$(util bench)
  start big 8104 DJINN_MODEL_PATH=$W/big DJINN_MODEL_DEVICE=cuda:0 DJINN_MODEL_DTYPE=float16 \
      DJINN_ENGINE_MAX_WAITING=${DJINN_ENGINE_MAX_WAITING:-512} DJINN_ENGINE_MAX_NUM_BATCHED_TOKENS=2048 \
      DJINN_ENGINE_MAX_MODEL_LEN=${DJINN_ENGINE_MAX_MODEL_LEN:-1024} && \
    timeout 220 $TOOLS bench-serve --url http://127.0.0.1:8104 --concurrency ${CONC:-1,16,64,128} --requests 16 \
      --requests-per-worker 1 --prompt-tokens 16 --output-tokens 128 --output-range 0.5 --ramp-up-s 1 \
      --shared-prefix-tokens 450 --json $OUT/bench-gpu.json > $OUT/bench-serve.log 2>&1; ts "bench-serve exit $?"; tail -16 $OUT/bench-serve.log
  curl -s http://127.0.0.1:8104/metrics | grep -E '^djinn_(iteration_tokens|time_to_first_token)_seconds?_(sum|count)|^djinn_iteration_tokens_(sum|count)' | head -6
  kill $smi 2>/dev/null; stop big
  ts "GPU utilization samples during bench (most frequent): $(sort $OUT/gpu-util-bench.log | uniq -c | sort -rn | head -4 | tr '\n' ';')" ;;
hf)
  need_big; timeout 150 $PY $G/hf_baseline.py $W/big 128 1,16,64,128 2>&1 | grep 'HF transformers' ;;
func)
  start func 8105 DJINN_MODEL_PATH=$W/small DJINN_MODEL_DEVICE=cuda:0 DJINN_ENGINE_MAX_NUM_SEQS=64 DJINN_ENGINE_MAX_WAITING=256 && \
    timeout 150 $PY $G/functional_check.py http://127.0.0.1:8105 2>&1
  stop func ;;
bf16)
  need_big
  start bf16 8106 DJINN_MODEL_PATH=$W/big DJINN_MODEL_DEVICE=cuda:0 DJINN_ENGINE_MAX_MODEL_LEN=1024 && {
    grep -o 'as [a-zA-Z0-9]*\b' $OUT/server-bf16.log | head -2 | tr '\n' ' '; echo
    ts "bf16 greedy: $(greedy 8106 'Hello there' | cut -c1-200)"
    timeout 60 $TOOLS bench-serve --url http://127.0.0.1:8106 --concurrency 1 --requests 4 --requests-per-worker 4 \
      --prompt-tokens 16 --output-tokens 128 > $OUT/bench-bf16.log 2>&1; tail -6 $OUT/bench-bf16.log; }
  stop bf16 ;;
*) ts "unknown phase $phase" ;;
esac; done
ts "done"
