#!/usr/bin/env bash
# Runs sparkwright on the bundled example: a copy of examples/shopcart made into a scratch git repo
# (your checkout of sparkwright is never the target), with the issue in examples/shopcart/ISSUE.md.
# With no model configured it replays the recorded job (examples/shopcart-replay) through the real
# pipeline and says so. The example's tests run with this checkout's .venv (it has pytest): nothing is
# installed into your own Python or home.
#   bash scripts/example.sh [sparkwright run options]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
# No pip cache in your home: the first run downloads once into .venv, nothing else is written.
.venv/bin/python -m pip install -q --no-cache-dir -e '.[example]'
# The job's commands (its setup and tests) find the venv's python first, as in an activated venv.
export VIRTUAL_ENV="$PWD/.venv" PATH="$PWD/.venv/bin:$PATH"

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
model_configured() {
    case " $* " in *" --deep-model"*) return 0 ;; esac
    .venv/bin/python -c 'import sys; from agent.config import load_settings; s = load_settings(); sys.exit(not (s.deep_model and s.fast_model))' 2>/dev/null
}

replay=()
if ! model_configured "$@"; then
    echo "example: no model configured, so this is a REPLAY of a recorded job (scripted models, real graph, git and"
    echo "example: sandbox). To run it live, set SPARKWRIGHT_DEEP_MODEL and SPARKWRIGHT_FAST_MODEL (see README)."
    local_server=$(.venv/bin/python -c 'from agent.config import load_settings; from agent.models.local_probe import find_local_server
found = find_local_server(load_settings().local_servers)
print(found.hint() if found else "")' 2>/dev/null || true)
    if [ -n "$local_server" ]; then
        echo "example: $local_server"
    fi
    # The recorded replies are known and harmless, so the replay runs on this machine: no image needed.
    replay=(--deep-model scripted:examples/shopcart-replay/deep.json --fast-model scripted:examples/shopcart-replay/fast.json
            --sandbox local)
fi
exec .venv/bin/sparkwright run --repo "$work" --issue-file examples/shopcart/ISSUE.md "${replay[@]}" "$@"
