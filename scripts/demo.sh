#!/usr/bin/env bash
# The main job, offline: create the embedded SQLite archive and show what it holds.
# (It grows with the pipeline: serve the bundled sample sites, crawl, link, show the chain.)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/bootstrap.sh
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
healthwire demo "$@"
