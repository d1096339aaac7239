#!/usr/bin/env bash
# Runs the test suite: the one command a newcomer needs.
#   bash scripts/test.sh [pytest args]
# Makes .venv if missing, installs the project with its test extras, makes sure a Docker engine
# answers (as root it starts dockerd in the background when the engine is installed but stopped)
# and the sandbox image exists, checks format, lint and types (ruff, mypy), then runs pytest.
# Without Docker the Docker tests are skipped, unless SPARKWRIGHT_REQUIRE_DOCKER=1 (CI), which
# makes them fail. As root it also starts PostgreSQL and Redis (scripts/services.sh); without them the
# tests marked `services` are skipped, unless SPARKWRIGHT_REQUIRE_SERVICES=1 (CI).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
DOCKERD_LOG="${DOCKERD_LOG:-/tmp/sparkwright-dockerd.log}"

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv || {
        echo "test.sh: could not create .venv (on Debian/Ubuntu: apt-get install python3-venv)" >&2
        exit 1
    }
fi
# Commands the tests run (`python -m pytest` in example repos) must find the venv's python.
export VIRTUAL_ENV="$PWD/.venv" PATH="$PWD/.venv/bin:$PATH"
python -m pip install -q -e '.[test]'

engine_answers() { docker info >/dev/null 2>&1; }

start_engine() {
    [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null || return 1
    echo "test.sh: starting dockerd in the background (log: $DOCKERD_LOG)"
    dockerd >"$DOCKERD_LOG" 2>&1 &
    for _ in $(seq 60); do
        engine_answers && return 0
        sleep 1
    done
    echo "test.sh: dockerd did not answer within 60 s; see $DOCKERD_LOG" >&2
    return 1
}

if command -v docker >/dev/null && { engine_answers || start_engine; }; then
    bash scripts/build-image.sh || echo "test.sh: no sandbox image: the Docker tests will not run" >&2
else
    echo "test.sh: no Docker engine answers: the Docker tests will not run" >&2
fi

if [ "$(id -u)" = 0 ]; then
    bash scripts/services.sh || echo "test.sh: PostgreSQL or Redis did not start: the services tests will not run" >&2
fi

# Formatting, lint and types first: a few seconds, and they fail loudly.
ruff format --check --quiet . || { echo "test.sh: run \`.venv/bin/ruff format .\`" >&2; exit 1; }
ruff check --quiet .
mypy

exec python -m pytest -q "$@"
