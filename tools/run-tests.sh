#!/bin/bash
# The test suite: set everything up, then run every tox environment CI runs.
# Extra arguments replace the environment list, e.g.: tools/run-tests.sh -e py3
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/install-deps.sh"
cd "$top"
if [ $# -eq 0 ]; then
    set -- -e pep8,py3,functional,docs,realhv
fi
exec "$top/.venv/bin/tox" "$@"
