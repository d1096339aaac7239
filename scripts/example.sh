#!/usr/bin/env bash
# Runs sparkwright on the bundled example: a copy of examples/shopcart made into a scratch git repo
# (your checkout of sparkwright is never the target), with the issue in examples/shopcart/ISSUE.md.
#   bash scripts/example.sh [sparkwright run options]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q -e .

work="${SPARKWRIGHT_EXAMPLE_DIR:-${SPARKWRIGHT_HOME:-$HOME/.sparkwright}/examples/shopcart}"
if [ ! -d "$work/.git" ]; then
    mkdir -p "$(dirname "$work")"
    cp -r examples/shopcart "$work"
    rm -f "$work/ISSUE.md"
    git -C "$work" init -q -b main
    git -C "$work" add -A
    git -C "$work" -c user.name=sparkwright -c user.email=sparkwright@localhost commit -qm "shopcart example"
    echo "example repo: $work"
fi
exec .venv/bin/sparkwright run --repo "$work" --issue-file examples/shopcart/ISSUE.md "$@"
