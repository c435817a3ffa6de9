#!/usr/bin/env bash
# Builds DJL 0.35.1's PyTorch JNI (libdjl_torch.so) against a given libtorch, CPU or CUDA, and installs it where DJL
# looks first (the libtorch's lib folder), so that Djinn runs on any PyTorch build, not only the 2.7.1 (cpu, cu128)
# that DJL publishes a JNI for. Then start Djinn with
#
#   PYTORCH_LIBRARY_PATH=<lib folder> PYTORCH_VERSION=<x.y.z> PYTORCH_FLAVOR=<cpu|cuNNN> java ... -jar quarkus-run.jar
#
# (the script prints the exact line). The JNI is about 15 C++ files: with 16 cores about 20 s.
#
# The build also maps DJL's BFLOAT16 data type to libtorch's bfloat16, which DJL's own JNI does not know (converting
# to it aborts the JVM there), and marks the library with a symbol Djinn looks for before it uses bfloat16: with a
# JNI built here djinn.model.dtype=bfloat16 works; with DJL's it is refused with a message.
#
# usage: build-djl-jni.sh --torch DIR [options]
#   --torch DIR       a pip torch folder (site-packages/torch) or an unpacked libtorch: DIR/include and DIR/lib
#   --include DIR     libtorch headers, when not DIR/include (e.g. /usr/include for a distribution's libtorch-dev)
#   --lib DIR         libtorch libraries, when not DIR/lib
#   --djl-src DIR     DJL sources: a checkout or source archive of DJL v0.35.1 (the repository root), or a folder with
#                     native/*.cc and include/ (djl/utils.h and the generated ai_djl_pytorch_jni_PyTorchLibrary.h);
#                     default: download DJL's v0.35.1 source archive (needs network and curl or wget)
#   --flavor F        cpu | cuda (default: cuda when the lib folder has libtorch_cuda.so)
#   --version X.Y.Z   the libtorch version (default: read from version.py, build-version or the library file names)
#   --abi 0|1         _GLIBCXX_USE_CXX11_ABI of the libtorch (default: read from libc10.so's symbols)
#   --install DIR     where libdjl_torch.so goes (default: the lib folder, where DJL looks first)
#   --work DIR        build folder (default: a temporary one, removed at the end)
#   --jobs N          parallel compilations (default: nproc)
#   --dry-run         check the inputs and print what would be built, build nothing
set -euo pipefail

DJL_VERSION=0.35.1
die() { echo "build-djl-jni: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

TORCH="" INC="" LIB="" SRC="" FLAVOR="" VERSION="" ABI="" INSTALL="" WORK="" JOBS="" DRY=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --torch) TORCH=${2:?--torch needs a folder}; shift 2 ;;
    --include) INC=${2:?--include needs a folder}; shift 2 ;;
    --lib) LIB=${2:?--lib needs a folder}; shift 2 ;;
    --djl-src) SRC=${2:?--djl-src needs a folder}; shift 2 ;;
    --flavor) FLAVOR=${2:?--flavor needs cpu or cuda}; shift 2 ;;
    --version) VERSION=${2:?--version needs x.y.z}; shift 2 ;;
    --abi) ABI=${2:?--abi needs 0 or 1}; shift 2 ;;
    --install) INSTALL=${2:?--install needs a folder}; shift 2 ;;
    --work) WORK=${2:?--work needs a folder}; shift 2 ;;
    --jobs) JOBS=${2:?--jobs needs a number}; shift 2 ;;
    --dry-run) DRY=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done

[[ -n $TORCH || ( -n $INC && -n $LIB ) ]] || { usage >&2; die "--torch DIR (or --include and --lib) is required"; }
INC=${INC:-$TORCH/include}
LIB=${LIB:-$TORCH/lib}
[[ -f $INC/torch/csrc/api/include/torch/torch.h ]] \
  || die "no libtorch headers in $INC (torch/csrc/api/include/torch/torch.h); a pip torch and a libtorch archive \
have them, a libtorch without headers cannot be built against"
[[ -f $LIB/libtorch_cpu.so || -n $(ls "$LIB"/libtorch_cpu.so.* 2>/dev/null) ]] || die "no libtorch_cpu.so in $LIB"
[[ -z $FLAVOR ]] && { [[ -f $LIB/libtorch_cuda.so ]] && FLAVOR=cuda || FLAVOR=cpu; }
[[ $FLAVOR == cpu || $FLAVOR == cuda ]] || die "--flavor must be cpu or cuda, not '$FLAVOR'"
[[ $FLAVOR == cuda && ! -f $LIB/libtorch_cuda.so ]] && die "--flavor cuda but no libtorch_cuda.so in $LIB"

if [[ -z $VERSION ]]; then
  if [[ -n $TORCH && -f $TORCH/version.py ]]; then
    VERSION=$(sed -n "s/^__version__ = '\([0-9.]*\).*/\1/p" "$TORCH/version.py")
  elif [[ -n $TORCH && -f $TORCH/build-version ]]; then
    VERSION=$(sed 's/[^0-9.].*//' "$TORCH/build-version")
  else
    VERSION=$(ls "$LIB"/libtorch_cpu.so.* 2>/dev/null | sed -n 's/.*\.so\.\([0-9][0-9.]*\)$/\1/p' | sort -V | tail -1)
  fi
  [[ -n $VERSION ]] || die "cannot tell the libtorch version; pass --version x.y.z"
fi
[[ $VERSION =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?$ ]] || die "--version must look like 2.7.1, not '$VERSION'"
[[ $VERSION =~ ^[0-9]+\.[0-9]+$ ]] && VERSION=$VERSION.0
C10=$(ls "$LIB"/libc10.so "$LIB"/libc10.so.* 2>/dev/null | head -1)
[[ -n $C10 ]] || die "no libc10.so in $LIB"
if [[ -z $ABI ]]; then
  command -v nm >/dev/null || die "nm (binutils) is needed to read the C++ ABI; or pass --abi 0|1"
  # (counted, not grep -q: with pipefail an early grep exit would fail the pipe)
  ABI=$(nm -D --defined-only "$C10" | grep -c __cxx11 || true)
  [[ $ABI -gt 0 ]] && ABI=1 || ABI=0
fi
[[ $ABI == 0 || $ABI == 1 ]] || die "--abi must be 0 or 1"
INSTALL=${INSTALL:-$LIB}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 4)}
command -v g++ >/dev/null || die "g++ is needed"

# DJL's version switches: 1.13 to 2.1 need V1_13_X
DEFS=""
case $VERSION in 1.13.*|2.0.*|2.1.*) DEFS="-DV1_13_X" ;; esac
[[ $FLAVOR == cuda ]] && DEFS="$DEFS -DUSE_CUDA"
# PYTORCH_FLAVOR: cpu, or cu + the CUDA version libtorch was built for (pip torch: version.py's cuda)
PT_FLAVOR=cpu
if [[ $FLAVOR == cuda ]]; then
  CUDA_V=""
  [[ -n $TORCH && -f $TORCH/version.py ]] && CUDA_V=$(sed -n "s/^cuda = '\([0-9.]*\)'.*/\1/p" "$TORCH/version.py")
  PT_FLAVOR=cu$(echo "${CUDA_V:-${CUDA_VERSION:-}}" | cut -d. -f1-2 | tr -d .)
  [[ $PT_FLAVOR == cu ]] && PT_FLAVOR="cu<NNN: your CUDA version, e.g. cu128>"
fi

echo "libtorch $VERSION ($FLAVOR, C++11 ABI $ABI): headers $INC, libraries $LIB"
echo "DJL sources: ${SRC:-download v$DJL_VERSION}; install into $INSTALL; PYTORCH_FLAVOR=$PT_FLAVOR"
if [[ $DRY == 1 ]]; then
  echo "dry run: nothing built"
  exit 0
fi

CLEAN=""
if [[ -z $WORK ]]; then WORK=$(mktemp -d); CLEAN=$WORK; fi
trap '[[ -n $CLEAN ]] && rm -rf "$CLEAN"' EXIT
mkdir -p "$WORK"

if [[ -z $SRC ]]; then
  URL=https://github.com/deepjavalibrary/djl/archive/refs/tags/v$DJL_VERSION.tar.gz
  echo "downloading $URL"
  if command -v curl >/dev/null; then curl -fsSL "$URL" -o "$WORK/djl.tar.gz"
  elif command -v wget >/dev/null; then wget -q "$URL" -O "$WORK/djl.tar.gz"
  else die "neither curl nor wget to download the DJL sources; pass --djl-src"; fi
  mkdir -p "$WORK/djl" && tar -xzf "$WORK/djl.tar.gz" -C "$WORK/djl" --strip-components=1
  SRC=$WORK/djl
fi
[[ -d $SRC ]] || die "--djl-src $SRC is not a folder"

# a private copy of the sources: the bfloat16 patch never touches the given folder
mkdir -p "$WORK/native" "$WORK/include"
if [[ -d $SRC/engines/pytorch/pytorch-native/src/main/native ]]; then
  cp "$SRC"/engines/pytorch/pytorch-native/src/main/native/* "$WORK/native/"
  cp -r "$SRC"/api/src/main/native/djl "$WORK/include/"
  JAVA_SRC=$SRC/engines/pytorch/pytorch-engine/src/main/java
  command -v javac >/dev/null || die "javac is needed to generate the JNI header from the DJL sources"
  javac -h "$WORK/include" -d "$WORK/classes" -sourcepath "$JAVA_SRC" "$JAVA_SRC/ai/djl/pytorch/jni/PyTorchLibrary.java"
elif [[ -d $SRC/native && -f $SRC/include/djl/utils.h && -f $SRC/include/ai_djl_pytorch_jni_PyTorchLibrary.h ]]; then
  cp "$SRC"/native/* "$WORK/native/"
  cp -r "$SRC"/include/* "$WORK/include/"
else
  die "$SRC holds neither DJL's repository layout nor native/ with include/"
fi
[[ -f $WORK/native/djl_pytorch_utils.h ]] || die "no djl_pytorch_utils.h among the DJL sources in $SRC"

# DJL's DataType.BFLOAT16 (ordinal 11) <-> torch::kBFloat16, in both directions
U=$WORK/native/djl_pytorch_utils.h
sed -i '/^[[:space:]]*return torch::kComplexFloat;$/a\    case 11:\n      return torch::kBFloat16;' "$U"
sed -i '/^[[:space:]]*return 8;$/a\  } else if (torch::kBFloat16 == type) {\n    return 11;' "$U"
[[ $(grep -c kBFloat16 "$U") == 2 ]] || die "could not map bfloat16 in $U (DJL sources other than v$DJL_VERSION?)"
cat > "$WORK/native/djinn_bfloat16_marker.cc" <<'EOF'
// Djinn looks for this symbol before it converts a tensor to bfloat16 (see build-djl-jni.sh)
extern "C" __attribute__((visibility("default"))) int djinn_jni_bfloat16(void) { return 1; }
EOF

JNI_INC=""
if [[ -n ${JAVA_HOME:-} && -f $JAVA_HOME/include/jni.h ]]; then
  JNI_INC="-I$JAVA_HOME/include -I$JAVA_HOME/include/linux"
elif command -v javac >/dev/null; then
  JH=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
  [[ -f $JH/include/jni.h ]] && JNI_INC="-I$JH/include -I$JH/include/linux"
fi
CUDA_INC=""
if [[ $FLAVOR == cuda ]]; then
  for d in ${CUDA_HOME:-/usr/local/cuda}/include "$INC"/../../nvidia/cuda_runtime/include "$INC"/../../nvidia/cu13/include; do
    [[ -d $d ]] && CUDA_INC="$CUDA_INC -I$d"
  done
fi
FLAGS="-O2 -fPIC -w -D_GLIBCXX_USE_CXX11_ABI=$ABI $DEFS -I$INC -I$INC/torch/csrc/api/include $CUDA_INC $JNI_INC \
-I$WORK/include -I$WORK/native"

# compile each file, in parallel; a file that fails with C++17 is retried with C++20
mkdir -p "$WORK/obj"
pids=()
for f in "$WORK"/native/*.cc; do
  b=$(basename "$f" .cc)
  ( for std in c++17 c++20; do
      g++ $FLAGS -std=$std -c "$f" -o "$WORK/obj/$b.o" 2>>"$WORK/obj/$b.err" && { rm -f "$WORK/obj/$b.err"; exit 0; }
    done; exit 1 ) &
  pids+=($!)
  while [[ $(jobs -rp | wc -l) -ge $JOBS ]]; do sleep 0.2; done
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=1; done
if [[ $failed == 1 ]]; then
  for e in "$WORK"/obj/*.err; do [[ -s $e ]] && { echo "--- $(basename "$e" .err).cc:" >&2; head -c 2000 "$e" >&2; }; done
  die "compilation failed (see above)"
fi

LIBS="-ltorch -ltorch_cpu -lc10"
[[ $FLAVOR == cuda ]] && LIBS="$LIBS -ltorch_cuda -lc10_cuda"
g++ -shared -o "$WORK/libdjl_torch.so" "$WORK"/obj/*.o -L"$LIB" $LIBS -Wl,-rpath,'$ORIGIN' || die "link failed"
[[ $(nm -D --defined-only "$WORK/libdjl_torch.so" | grep -c djinn_jni_bfloat16 || true) -gt 0 ]] \
  || die "the marker symbol is missing"
mkdir -p "$INSTALL"
cp "$WORK/libdjl_torch.so" "$INSTALL/libdjl_torch.so"
echo "installed $INSTALL/libdjl_torch.so (DJL $DJL_VERSION JNI for libtorch $VERSION $FLAVOR, bfloat16 mapped)"
echo "run Djinn with: PYTORCH_LIBRARY_PATH=$LIB PYTORCH_VERSION=$VERSION PYTORCH_FLAVOR=$PT_FLAVOR"
