#!/bin/bash
# Install what virtdrivers needs on a Debian 12 machine (as root) and create
# the virtualenv .venv with tox in it. Safe to run again.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

# Debian packages from bindep.txt (the name before any [profile] marker).
pkgs=$(sed -e 's/#.*//' -e 's/\[.*\]//' "$top/bindep.txt" | xargs)
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "install these Debian packages first (as root):$missing" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ ! -x "$top/.venv/bin/python" ]; then
    python3 -m venv "$top/.venv"
fi
"$top/.venv/bin/pip" install -q --upgrade pip
"$top/.venv/bin/pip" install -q 'tox>=4'
