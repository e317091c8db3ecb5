#!/usr/bin/env bash
# Lint, then run every test (engine, service, plugin inside headless QGIS).
# Fails when a test fails or when no test ran. Extra arguments go to pytest.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SCICBIR_VENV:-$ROOT/.venv}"
cd "$ROOT"

export QT_QPA_PLATFORM=offscreen
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/scicbir-runtime-$(id -u)}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export PYTHONDONTWRITEBYTECODE=1

echo "== ruff"
"$VENV/bin/ruff" check . || exit 1

echo "== pytest"
"$VENV/bin/python" -m pytest "$@"
status=$?
if [[ $status -eq 5 ]]; then
    echo "no tests were collected: failing" >&2
    exit 1
fi
exit $status
