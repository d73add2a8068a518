# Sourced by scripts/serve and scripts/test: make .venv match pyproject.toml, quietly, with progress on stderr.
# A stamp holds the hash of pyproject.toml, so the install runs on first use and after a dependency change only.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${DO_EXPERT_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.do-expert-installed"
WANT="$(cd "$ROOT" && "$PYTHON" -c 'import hashlib,sys; print(hashlib.sha256(open("pyproject.toml","rb").read()).hexdigest())')"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null || true)" != "$WANT" ]; then
  echo "do-expert: setting up $VENV (first run or changed dependencies; about a minute)..." >&2
  "$PYTHON" -m venv "$VENV" >&2
  LOG="$VENV/install.log"
  if ! { "$VENV/bin/python" -m pip install --upgrade pip && "$VENV/bin/python" -m pip install -e "$ROOT[test]"; } \
      > "$LOG" 2>&1; then
    tail -n 40 "$LOG" >&2
    echo "do-expert: installing the Python dependencies failed; the full log is $LOG" >&2
    exit 2
  fi
  echo "$WANT" > "$STAMP"
  echo "do-expert: set up." >&2
fi
