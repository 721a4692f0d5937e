#!/usr/bin/env bash
# Creates .venv beside this script and installs the pinned requirements. Idempotent: returns
# at once when .venv already holds exactly this requirements.txt. PYTHON overrides python3.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$DIR/.venv"
STAMP="$VENV/.requirements.sha256"
WANT="$(sha256sum "$DIR/requirements.txt" | cut -d' ' -f1)"
if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
    exit 0
fi
"${PYTHON:-python3}" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    --only-binary=:all: -r "$DIR/requirements.txt"
"$VENV/bin/python" -c "import olm, _libolm, cryptography"
echo "$WANT" > "$STAMP"
echo "python-olm: $VENV ready" >&2
