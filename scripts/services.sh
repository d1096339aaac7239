#!/usr/bin/env bash
# Makes sure the services that the queue and its tests use run here: PostgreSQL on 127.0.0.1:5432 with a
# role and a database `sparkwright` (password `sparkwright`), and Redis on 127.0.0.1:6379.
#   sudo bash scripts/services.sh
# As root: installs them with apt-get when missing, starts them when stopped (Debian's cluster tools run
# Postgres as the `postgres` user: it refuses root), makes the role and database. Idempotent, quiet, and
# fast when everything is up already. These are test credentials: never expose this server.
set -euo pipefail

NAME=sparkwright
PG_PORT=5432
REDIS_PORT=6379
REDIS_LOG="${REDIS_LOG:-/tmp/sparkwright-redis.log}"

if [ "$(id -u)" != 0 ]; then
    echo "services.sh: run it as root (it installs and starts PostgreSQL and Redis)" >&2
    exit 1
fi

wait_for() {
    for _ in $(seq 60); do
        "$@" && return 0
        sleep 0.5
    done
    return 1
}

install_missing() {
    local missing=()
    compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
    command -v redis-server >/dev/null || missing+=(redis-server)
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "services.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" </dev/null >/dev/null
}

admin_sql() { (cd / && runuser -u postgres -- psql -p "$PG_PORT" -qtAX -c "$1"); }

start_postgres() {
    local version
    version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
    pg_lsclusters -h | grep -q "^$version  *main " || pg_createcluster "$version" main --port "$PG_PORT" >/dev/null
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || pg_ctlcluster "$version" main start
    wait_for pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || {
        echo "services.sh: PostgreSQL $version did not answer on port $PG_PORT; see /var/log/postgresql/" >&2
        return 1
    }
    [ "$(admin_sql "SELECT 1 FROM pg_roles WHERE rolname = '$NAME'")" = 1 ] ||
        admin_sql "CREATE ROLE $NAME LOGIN CREATEDB PASSWORD '$NAME'"
    [ "$(admin_sql "SELECT 1 FROM pg_database WHERE datname = '$NAME'")" = 1 ] ||
        admin_sql "CREATE DATABASE $NAME OWNER $NAME"
}

redis_answers() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

start_redis() {
    redis_answers && return 0
    # Nothing kept on disk: the tests' queues are throwaway.
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
        --dir /tmp --logfile "$REDIS_LOG"
    wait_for redis_answers || {
        echo "services.sh: Redis did not answer on port $REDIS_PORT; see $REDIS_LOG" >&2
        return 1
    }
}

install_missing
start_postgres
start_redis
