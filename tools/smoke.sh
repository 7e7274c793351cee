#!/bin/bash
# The main job: set everything up, then run `virtdrivers smoke` (a full
# instance lifecycle through the configured driver).
#   tools/smoke.sh [virtdrivers options] [-- smoke options]
# e.g.: tools/smoke.sh --config-file /etc/nova/nova.conf -- --timeout 120
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/install-deps.sh"
"$top/.venv/bin/pip" install -q -e "$top"
global=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do global+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
exec "$top/.venv/bin/virtdrivers" "${global[@]}" smoke "$@"
