#!/usr/bin/env bash
# Run healthwire's checks: ruff, then the whole pytest suite. Extra arguments go to pytest.
# PostgreSQL tests run when HEALTHWIRE_TEST_POSTGRES_URL is set (.ci/run sets it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/bootstrap.sh
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
ruff check .
python -m pytest "$@"
