#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite.
#
#   url=$(scripts/postgres.sh start)   # installs Debian's postgresql if missing (needs root),
#                                      # initialises a cluster in a temp dir, starts it on a free
#                                      # 127.0.0.1 port, creates database rasd_test, prints its URL
#   scripts/postgres.sh stop           # stops that server and removes its directory
#
# The cluster's directory is remembered in $RASD_PG_STATE (default ./.postgres-test.dir).
# RASD_PG_FSYNC=on for benchmarks (tests run with fsync off: the server is thrown away).
# Everything but the URL goes to stderr, so `$(...)` captures only the URL.
set -euo pipefail

STATE="${RASD_PG_STATE:-$(pwd)/.postgres-test.dir}"

log() { echo "postgres.sh: $*" >&2; }

pg_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
    if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
    return 1
}

install_postgres() {
    if [ "$(id -u)" != 0 ]; then
        log "PostgreSQL is not installed and we are not root: install Debian's postgresql package"
        exit 1
    fi
    log "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # policy-rc.d 101: the package's own cluster is not started; we run our own below.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    apt-get install -y -qq postgresql >&2 || { rm -f /usr/sbin/policy-rc.d; exit 1; }
    rm -f /usr/sbin/policy-rc.d
}

# Run a command as the user that owns the cluster (PostgreSQL refuses to run as root).
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
    local bindir dir port owner
    bindir=$(pg_bindir) || { install_postgres; bindir=$(pg_bindir); }
    if [ -f "$STATE" ] && [ -d "$(cat "$STATE")" ]; then stop; fi
    dir=$(mktemp -d /tmp/rasd-pg.XXXXXX)
    owner=$(id -un)
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
        chown postgres: "$dir"
        owner=postgres
    fi
    chmod 700 "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >&2 \
        || as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >&2
    port=$(free_port)
    # fsync off: a throwaway test server (the kill-and-resume test kills clients, not the server).
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=${RASD_PG_FSYNC:-off} -c max_connections=200" >&2
    echo "$dir" > "$STATE"
    echo "$port" > "$dir/port"
    as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres rasd_test >&2
    log "PostgreSQL ($owner) on 127.0.0.1:$port, data in $dir"
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/rasd_test"
}

stop() {
    local bindir dir
    [ -f "$STATE" ] || return 0
    dir=$(cat "$STATE")
    if [ -d "$dir/data" ] && bindir=$(pg_bindir); then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
    fi
    rm -rf "$dir" "$STATE"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
