#!/usr/bin/env bash
# Creates .venv beside this script and installs the pinned requirements. Idempotent: returns
# at once when .venv already holds exactly this requirements.txt. PYTHON overrides python3.
# python-axolotl-curve25519 is an sdist, so pip builds it (a C compiler is needed: gcc 12 works;
# no --only-binary here). gcc >= 14 makes its -Wint-conversion warning (curve25519module.c:161)
# an error by default, hence -Wno-error=int-conversion (harmless on gcc 12).
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$DIR/.venv"
STAMP="$VENV/.requirements.sha256"
WANT="$(sha256sum "$DIR/requirements.txt" | cut -d' ' -f1)"
if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
    exit 0
fi
"${PYTHON:-python3}" -m venv "$VENV"
CFLAGS="${CFLAGS:-} -Wno-error=int-conversion" \
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    -r "$DIR/requirements.txt"
"$VENV/bin/python" -W ignore -c "import axolotl.sessioncipher, axolotl_curve25519"
echo "$WANT" > "$STAMP"
echo "python-axolotl: $VENV ready" >&2
