# Sourced by scripts/test and scripts/bench: starts a throwaway PostgreSQL
# cluster on a free port (the Debian package is installed first when running
# as root) and exports NOABER_TEST_POSTGRES_URL. The caller sets PG_DIR=""
# PG_BIN="" PG_RUN_AS=() and stops the cluster in its cleanup:
#   "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop

find_pg_bin() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            PG_BIN="$dir"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        PG_BIN="$(dirname "$(command -v initdb)")"
        return 0
    fi
    return 1
}

free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$(( 20000 + RANDOM % 40000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

start_postgres() {
    if ! find_pg_bin; then
        if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
            say "installing PostgreSQL from Debian packages"
            DEBIAN_FRONTEND=noninteractive apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        fi
        find_pg_bin || return 1
    fi
    PG_DIR="$(mktemp -d /tmp/noaber-pg.XXXXXX)"
    # PostgreSQL refuses to run as root; use its own system user then.
    if [ "$(id -u)" = "0" ]; then
        if ! id postgres >/dev/null 2>&1; then
            useradd --system --no-create-home postgres
        fi
        chown postgres "$PG_DIR"
        PG_RUN_AS=(runuser -u postgres --)
    fi
    local port
    port="$(free_port)"
    "${PG_RUN_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
    "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/server.log" \
        -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
    export NOABER_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "throwaway PostgreSQL cluster on port $port"
}

