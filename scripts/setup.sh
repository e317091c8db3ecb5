#!/usr/bin/env bash
# Turn a Debian 12 machine (root, Python 3.11, package registries reachable) into one that runs
# SCI-CBIR: QGIS 3.22 with PyQGIS, Xvfb, Qt tools, GDAL tools, and a virtual environment .venv
# for the engine that also sees PyQGIS. Idempotent: a second run checks and changes nothing.
#
#   bash scripts/setup.sh          engine + plugin runtime
#   bash scripts/setup.sh --dev    also the test and lint tools
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SCICBIR_VENV:-$ROOT/.venv}"
DEV=0
[[ "${1:-}" == "--dev" ]] && DEV=1

say() { printf '[setup] %s\n' "$*" >&2; }

# 1. System packages (Debian): only touched when something is missing.
APT_PACKAGES=(qgis python3-qgis python3-venv xvfb pyqt5-dev-tools qttools5-dev-tools gdal-bin)
(( DEV )) && APT_PACKAGES+=(imagemagick openssh-server)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if (( ${#missing[@]} )); then
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    say "installing Debian packages: ${missing[*]}"
    if [[ " ${missing[*]} " == *" openssh-server "* ]]; then
        # The remote-engine test runs its own sshd on the loopback; the system sshd that the
        # package would start (port 22) is not wanted: Debian's unit and init script skip it.
        $SUDO mkdir -p /etc/ssh && $SUDO touch /etc/ssh/sshd_not_to_be_run
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    say "Debian packages present"
fi

# 2. The engine's virtual environment, on Debian's Python so that PyQGIS is importable too.
if [[ ! -x "$VENV/bin/python" ]]; then
    say "creating $VENV"
    /usr/bin/python3 -m venv --system-site-packages "$VENV"
fi

# 3. Python packages, pinned. A stamp of the pin files skips this step when nothing changed.
inputs=("$ROOT/engine/requirements.txt" "$ROOT/engine/constraints.txt" "$ROOT/engine/pyproject.toml"
        "$ROOT/engine/requirements-dev.txt")
pins="$(cat "${inputs[@]}" | sha256sum | cut -d' ' -f1)"
stamp_value="$pins-dev$DEV"
stamp_file="$VENV/.scicbir-setup-stamp"
have_stamp="$(cat "$stamp_file" 2>/dev/null || true)"
# A --dev set-up also satisfies a plain one.
if [[ "$have_stamp" == "$stamp_value" || "$have_stamp" == "$pins-dev1" ]]; then
    say "Python packages up to date ($VENV)"
else
    PIP=("$VENV/bin/python" -m pip --disable-pip-version-check --quiet)
    # PIP_CONSTRAINT pins every transitive dependency (numpy < 2, torch 2.13.0 CPU, affine < 3).
    export PIP_CONSTRAINT="$ROOT/engine/constraints.txt"
    say "installing the engine's dependencies (torch, compressai, faiss, rasterio, onnxruntime)"
    "${PIP[@]}" install -r "$ROOT/engine/requirements.txt"
    # compressai without its declared torchvision/torch-geometric-latest (see README).
    "${PIP[@]}" install --no-deps compressai==1.2.8
    "${PIP[@]}" install --no-deps --no-build-isolation -e "$ROOT/engine"
    if (( DEV )); then
        say "installing test and lint tools"
        "${PIP[@]}" install -r "$ROOT/engine/requirements-dev.txt"
    fi
    echo "$stamp_value" > "$stamp_file"
fi

# 4. Check that the engine imports and reports its versions.
"$VENV/bin/scicbir" --version >&2
say "done: engine interpreter is $VENV/bin/python (set it in the plugin's settings)"
