#!/usr/bin/env bash
# Packs what a GPU machine with a pip PyTorch (and no JDK, no network) needs to run Djinn on CUDA into .gpu/ in the
# repository root (ignored through .git/info/exclude): a jlinked Java 25 runtime, the packaged server
# (server/target/quarkus-app) and the tools jar in one xz bundle (libtorch CPU natives and other platforms' natives
# left out), DJL 0.35.1's PyTorch JNI sources and the device-side scripts. Adapted from ../shared/gpu/pack.sh for the
# two-module build. Run from the repository root after `./mvnw -B package -DskipTests`; then on the GPU machine:
# `bash .gpu/device.sh [phases]`. The result must stay under the device tool's 64 MiB.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(pwd)
SHARED=${SHARED:-$ROOT/../shared/gpu}   # djl-native/, make_big_checkpoint.py, hf_baseline.py, functional_check.py
[[ -f server/target/quarkus-app/quarkus-run.jar && -f tools/target/djinn-tools.jar ]] \
  || { echo "build first: ./mvnw -B package -DskipTests" >&2; exit 1; }
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
"$JDK/bin/jlink" --add-modules java.base,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,java.desktop,java.instrument,java.scripting,jdk.unsupported,jdk.management,java.rmi,jdk.zipfs,jdk.jfr,jdk.management.jfr \
  --strip-debug --no-header-files --no-man-pages --compress zip-0 --output "$T/jre"
cp -r server/target/quarkus-app "$T/app"
cp tools/target/djinn-tools.jar "$T/app/djinn-tools.jar"
cd "$T/app/lib/main"
for j in *pytorch-native-cpu*.jar; do zip -q -d "$j" 'pytorch/*/*/*' || true; done     # keep native/lib/pytorch.properties
for j in *tokenizers*.jar; do zip -q -d "$j" 'native/lib/win-*' 'native/lib/osx-*' 'native/lib/linux-aarch64/*' || true; done
for j in *pytorch-jni*.jar; do zip -q -d "$j" 'jnilib/linux-aarch64/*' 'jnilib/osx-*' 'jnilib/win-*' || true; done
cd "$T/app"
for f in $(find . -name '*.jar'); do d=$(mktemp -d); (cd "$d" && unzip -q -o "$T/app/$f"); rm "$f"; (cd "$d" && zip -q -0 -r -X "$T/app/$f" .); rm -rf "$d"; done
mkdir -p "$ROOT/.gpu"
(cd "$T" && tar -cf - jre app | xz -T0 -6 > "$ROOT/.gpu/bundle.tar.xz")
rm -rf "$ROOT/.gpu/djl-native"; cp -r "$SHARED/djl-native" "$ROOT/.gpu/"
cp "$SHARED"/*.py "$ROOT/.gpu/"
cp "$HERE/device.sh" "$ROOT/server/src/main/scripts/build-djl-jni.sh" "$ROOT/.gpu/"
du -sh "$ROOT/.gpu" "$ROOT/.gpu/bundle.tar.xz"
