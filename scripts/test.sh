#!/usr/bin/env bash
# scripts/test.sh — run all tests of cutover (fmt, clippy, tests against real
# PostgreSQL, MariaDB/MySQL and SQLite databases).
#
# Usage:
#   scripts/test.sh [--provision-only] [CARGO_TEST_ARGS...]
#
#   --provision-only   only make sure the selected database servers and client
#                      tools are installed, running and reachable, then exit 0
#                      (no cargo phases). Must be the first argument.
#   CARGO_TEST_ARGS    passed to `cargo test --workspace`; if they select
#                      packages (-p/--package), `--workspace` is left out so
#                      that the selection takes effect.
#
# Environment (exported for the tests; defaults in brackets):
#   CUTOVER_TEST_BACKENDS      comma list of postgres,mysql,sqlite [all three]
#   CUTOVER_TEST_POSTGRES_URL  [postgres://postgres@127.0.0.1:5432/postgres]
#   CUTOVER_TEST_MYSQL_URL     [mysql://root@127.0.0.1:3306/mysql]
#   CUTOVER_TEST_REPLICAS      1 = start replicas for the replica-lag tests
#                              (scripts/replicas.sh: a PostgreSQL streaming
#                              replica on 5433, a MariaDB primary/replica pair
#                              on 3307/3308; exports their URLs) [1]; 0 =
#                              leave them out, explicitly
#   CUTOVER_TEST_BENCH_SMOKE   1 = after the tests, run the live-traffic backfill
#                              benchmark at smoke size [1]; 0 = leave it out
#
# For a server on this machine (127.0.0.1/localhost) that is not reachable, and
# when run as root, the script installs it with apt-get (Debian), starts it,
# and makes password-less TCP logins work (trust auth for 127.0.0.1 in
# pg_hba.conf; root@127.0.0.1 with an empty password on MariaDB). A selected
# backend that cannot be provided is an error, never a silent skip: restrict
# the selection instead, e.g. `CUTOVER_TEST_BACKENDS=sqlite scripts/test.sh`.
#
# Quiet and idempotent when everything already runs.

set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

provision_only=0
if [[ "${1:-}" == "--provision-only" ]]; then
    provision_only=1
    shift
fi

export CUTOVER_TEST_BACKENDS="${CUTOVER_TEST_BACKENDS:-postgres,mysql,sqlite}"
export CUTOVER_TEST_POSTGRES_URL="${CUTOVER_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export CUTOVER_TEST_MYSQL_URL="${CUTOVER_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/mysql}"
export DEBIAN_FRONTEND=noninteractive

WAIT_SECONDS=30

say() { printf '[test.sh] %s\n' "$*" >&2; }
header() { printf '\n==> %s\n' "$*"; }

# fail BACKEND MESSAGE...: abort naming the backend and how to exclude it.
fail() {
    local backend=$1
    shift
    local others
    others=$(tr ',' '\n' <<<"$CUTOVER_TEST_BACKENDS" | grep -vx "$backend" | paste -sd, -) || true
    {
        printf '[test.sh] ERROR: backend %s is not available: %s\n' "$backend" "$*"
        printf '[test.sh] Start it yourself, run this script as root so it can install/start it,\n'
        printf '[test.sh] or exclude it, e.g.: CUTOVER_TEST_BACKENDS=%s scripts/test.sh\n' "${others:-sqlite}"
    } >&2
    exit 1
}

# URL with the password masked, for messages.
redact() { sed -E 's#^([a-z]+://[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"; }

is_root() { [[ $(id -u) -eq 0 ]]; }

apt_updated=0
apt_log=$(mktemp)
trap 'rm -f "$apt_log"' EXIT

# apt_install BACKEND PACKAGE...
apt_install() {
    local backend=$1
    shift
    is_root || fail "$backend" "packages $* are missing and we are not root (cannot apt-get install)"
    command -v apt-get >/dev/null || fail "$backend" "packages $* are missing and apt-get is not available"
    if [[ $apt_updated -eq 0 ]]; then
        say "apt-get update"
        if ! apt-get update -q >"$apt_log" 2>&1; then
            tail -n 20 "$apt_log" >&2
            fail "$backend" "apt-get update failed"
        fi
        apt_updated=1
    fi
    say "apt-get install $* (for $backend)"
    if ! apt-get install -y -q --no-install-recommends "$@" >"$apt_log" 2>&1; then
        tail -n 20 "$apt_log" >&2
        fail "$backend" "apt-get install $* failed"
    fi
}

# parse_url URL: sets URL_USER URL_PASS URL_HOST URL_PORT URL_DB.
parse_url() {
    local url=$1 rest authority hostport userinfo=""
    rest=${url#*://}
    authority=${rest%%[/?#]*}
    rest=${rest:${#authority}}
    if [[ $authority == *@* ]]; then
        userinfo=${authority%@*}
        hostport=${authority##*@}
    else
        hostport=$authority
    fi
    URL_USER=${userinfo%%:*}
    URL_PASS=""
    if [[ $userinfo == *:* ]]; then URL_PASS=${userinfo#*:}; fi
    if [[ $hostport =~ ^\[(.*)\](:([0-9]+))?$ ]]; then
        URL_HOST=${BASH_REMATCH[1]}
        URL_PORT=${BASH_REMATCH[3]}
    else
        URL_HOST=${hostport%%:*}
        URL_PORT=""
        if [[ $hostport == *:* ]]; then URL_PORT=${hostport##*:}; fi
    fi
    URL_DB=${rest#/}
    URL_DB=${URL_DB%%[?#]*}
}

is_local_host() {
    case "$1" in
        "" | 127.0.0.1 | localhost | ::1) return 0 ;;
        *) return 1 ;;
    esac
}

# ---------------------------------------------------------------- PostgreSQL

pg_tools_ok() {
    local tool
    for tool in pg_isready psql pg_dump pg_restore; do
        # The pg_wrapper scripts exist without a versioned client: run them.
        "$tool" --version >/dev/null 2>&1 || return 1
    done
}

pg_ready() { pg_isready -q -t 3 -h "$PG_HOST" -p "$PG_PORT" >/dev/null 2>&1; }

pg_login_ok() {
    PGCONNECT_TIMEOUT=5 psql "$CUTOVER_TEST_POSTGRES_URL" -Atqc 'SELECT 1' >/dev/null 2>&1
}

# Prints "<version> <cluster>" of the local cluster configured for $PG_PORT.
pg_cluster() {
    command -v pg_lsclusters >/dev/null || return 0
    pg_lsclusters -h 2>/dev/null | awk -v port="$PG_PORT" '$3 == port { print $1, $2; exit }' || true
}

as_postgres() { su -s /bin/sh postgres -c "$1"; }

provision_postgres() {
    parse_url "$CUTOVER_TEST_POSTGRES_URL"
    PG_HOST=${URL_HOST:-127.0.0.1}
    PG_PORT=${URL_PORT:-5432}
    local where="$PG_HOST:$PG_PORT"

    pg_tools_ok || apt_install postgres postgresql-client
    pg_tools_ok || fail postgres "pg_isready/psql/pg_dump/pg_restore still do not work after installing postgresql-client"

    if ! pg_ready; then
        is_local_host "$PG_HOST" || fail postgres "no server answers at $where (not a local address, so not starting one)"
        is_root || fail postgres "no server answers at $where and we are not root (cannot install/start it)"
        if [[ -z $(pg_cluster) ]]; then
            if ! command -v pg_lsclusters >/dev/null || [[ -z $(pg_lsclusters -h 2>/dev/null) ]]; then
                apt_install postgres postgresql postgresql-client
            fi
            if [[ -z $(pg_lsclusters -h 2>/dev/null) ]]; then
                local ver
                ver=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
                [[ -n $ver ]] || fail postgres "no PostgreSQL server binaries under /usr/lib/postgresql"
                say "creating PostgreSQL cluster $ver/main"
                pg_createcluster "$ver" main >/dev/null 2>&1 || fail postgres "pg_createcluster $ver main failed"
            fi
        fi
        local cluster
        cluster=$(pg_cluster)
        [[ -n $cluster ]] || fail postgres "no local PostgreSQL cluster is configured for port $PG_PORT (see pg_lsclusters)"
        say "starting PostgreSQL cluster ${cluster/ //} on port $PG_PORT"
        # shellcheck disable=SC2086 # "<version> <cluster>" on purpose
        pg_ctlcluster --skip-systemctl-redirect $cluster start >/dev/null 2>&1 || true
        local i
        for ((i = 0; i < WAIT_SECONDS; i++)); do
            pg_ready && break
            sleep 1
        done
        pg_ready || fail postgres "the server did not come up at $where within ${WAIT_SECONDS}s (see /var/log/postgresql/)"
    fi

    if ! pg_login_ok; then
        is_local_host "$PG_HOST" && is_root ||
            fail postgres "cannot log in with $(redact "$CUTOVER_TEST_POSTGRES_URL") (not a local root-managed server, so not changing its authentication)"
        local hba
        hba=$(as_postgres "psql -p $PG_PORT -Atqc 'SHOW hba_file'" 2>/dev/null) || true
        if [[ -z $hba || ! -f $hba ]]; then
            local cluster
            cluster=$(pg_cluster)
            hba="/etc/postgresql/${cluster/ //}/pg_hba.conf"
        fi
        [[ -f $hba ]] || fail postgres "cannot log in with $(redact "$CUTOVER_TEST_POSTGRES_URL") and pg_hba.conf was not found"
        if ! grep -qx 'host all all 127.0.0.1/32 trust' "$hba"; then
            say "enabling trust authentication for 127.0.0.1 in $hba"
            local tmp
            tmp=$(mktemp)
            {
                printf '# added by cutover scripts/test.sh: password-less TCP logins for the tests\n'
                printf 'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n'
                cat "$hba"
            } >"$tmp"
            cat "$tmp" >"$hba" # keeps owner and mode
            rm -f "$tmp"
        fi
        as_postgres "psql -p $PG_PORT -Atqc 'SELECT pg_reload_conf()'" >/dev/null 2>&1 ||
            pg_ctlcluster --skip-systemctl-redirect $(pg_cluster) reload >/dev/null 2>&1 || true
        local i
        for ((i = 0; i < 10; i++)); do
            pg_login_ok && break
            sleep 0.5
        done
        pg_login_ok || fail postgres "still cannot log in with $(redact "$CUTOVER_TEST_POSTGRES_URL") after enabling trust auth (does the user exist?)"
    fi
}

# ------------------------------------------------------------ MariaDB / MySQL

my_tools_ok() {
    local tool
    for tool in mariadb mariadb-admin mariadb-dump; do
        command -v "$tool" >/dev/null || return 1
    done
}

my_ready() {
    mariadb-admin --protocol=tcp -h"$MY_HOST" -P"$MY_PORT" -u"${URL_USER:-root}" \
        --connect-timeout=3 ping >/dev/null 2>&1
}

my_login_ok() {
    local db_args=()
    if [[ -n $URL_DB ]]; then db_args=(-D "$URL_DB"); fi
    MYSQL_PWD="$URL_PASS" mariadb --protocol=tcp -h"$MY_HOST" -P"$MY_PORT" -u"${URL_USER:-root}" \
        --connect-timeout=5 "${db_args[@]}" -e 'SELECT 1' >/dev/null 2>&1
}

provision_mysql() {
    parse_url "$CUTOVER_TEST_MYSQL_URL"
    MY_HOST=${URL_HOST:-127.0.0.1}
    MY_PORT=${URL_PORT:-3306}
    local where="$MY_HOST:$MY_PORT"

    my_tools_ok || apt_install mysql mariadb-client
    my_tools_ok || fail mysql "mariadb/mariadb-admin/mariadb-dump are still missing after installing mariadb-client"

    if ! my_ready; then
        is_local_host "$MY_HOST" || fail mysql "no server answers at $where (not a local address, so not starting one)"
        is_root || fail mysql "no server answers at $where and we are not root (cannot install/start it)"
        if pidof mariadbd mysqld >/dev/null 2>&1; then
            fail mysql "a MariaDB/MySQL server is running but does not answer at $where (wrong port in CUTOVER_TEST_MYSQL_URL?)"
        fi
        [[ -x /usr/sbin/mariadbd ]] || apt_install mysql mariadb-server mariadb-client
        [[ -x /usr/sbin/mariadbd ]] || fail mysql "/usr/sbin/mariadbd is missing after installing mariadb-server"
        mkdir -p /run/mysqld
        chown mysql:mysql /run/mysqld
        if [[ ! -d /var/lib/mysql/mysql ]]; then
            say "initialising the MariaDB data directory"
            mariadb-install-db --user=mysql >/dev/null 2>&1 || fail mysql "mariadb-install-db failed"
        fi
        say "starting MariaDB on port $MY_PORT"
        start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql \
            >/dev/null 2>&1 || fail mysql "start-stop-daemon could not start /usr/sbin/mariadbd"
        local i
        for ((i = 0; i < WAIT_SECONDS; i++)); do
            my_ready && break
            sleep 1
        done
        my_ready || fail mysql "the server did not come up at $where within ${WAIT_SECONDS}s (try running /usr/sbin/mariadbd --user=mysql by hand to see why)"
    fi

    if ! my_login_ok; then
        is_local_host "$MY_HOST" && is_root && [[ ${URL_USER:-root} == root && -z $URL_PASS ]] ||
            fail mysql "cannot log in with $(redact "$CUTOVER_TEST_MYSQL_URL") (only a local root login without password is set up automatically)"
        say "allowing root without password over TCP on MariaDB"
        # Through the unix socket, where the OS root user logs in via unix_socket.
        mariadb -uroot -e "ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
            CREATE USER IF NOT EXISTS root@'127.0.0.1' IDENTIFIED BY '';
            GRANT ALL ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;
            FLUSH PRIVILEGES;" >/dev/null 2>&1 ||
            fail mysql "cannot log in with $(redact "$CUTOVER_TEST_MYSQL_URL") and could not configure root via the unix socket"
        my_login_ok || fail mysql "still cannot log in with $(redact "$CUTOVER_TEST_MYSQL_URL") after configuring root"
    fi
}

# ---------------------------------------------------------------------- main

selected=()
IFS=',' read -ra requested <<<"$CUTOVER_TEST_BACKENDS"
for b in "${requested[@]}"; do
    b=$(tr '[:upper:]' '[:lower:]' <<<"$b" | tr -d '[:space:]')
    [[ -z $b ]] && continue
    case "$b" in
        postgres | mysql | sqlite) ;;
        *)
            say "ERROR: unknown backend '$b' in CUTOVER_TEST_BACKENDS=$CUTOVER_TEST_BACKENDS (expected a comma list of postgres,mysql,sqlite)"
            exit 1
            ;;
    esac
    [[ " ${selected[*]} " == *" $b "* ]] || selected+=("$b")
done
if [[ ${#selected[@]} -eq 0 ]]; then
    say "ERROR: CUTOVER_TEST_BACKENDS=$CUTOVER_TEST_BACKENDS selects no backend"
    exit 1
fi
CUTOVER_TEST_BACKENDS=$(IFS=,; echo "${selected[*]}")
export CUTOVER_TEST_BACKENDS

for b in "${selected[@]}"; do
    case "$b" in
        postgres) provision_postgres ;;
        mysql) provision_mysql ;;
        sqlite) ;; # bundled into the binaries (rusqlite "bundled")
    esac
done

# shellcheck source=scripts/replicas.sh
source scripts/replicas.sh
provision_replicas "${selected[@]}"

if [[ $provision_only -eq 1 ]]; then
    say "databases ready: $CUTOVER_TEST_BACKENDS"
    exit 0
fi

command -v cargo >/dev/null || { say "ERROR: cargo not found in PATH"; exit 1; }

# `cargo test --workspace -p X` ignores -p: drop --workspace when packages are chosen.
workspace=(--workspace)
for arg in "$@"; do
    [[ $arg == -- ]] && break
    case "$arg" in
        -p | -p* | --package | --package=*) workspace=() ;;
    esac
done

header "cargo fmt --all -- --check"
cargo fmt --all -- --check

header "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

test_cmd=(cargo test "${workspace[@]}" "$@")
header "${test_cmd[*]} (backends: $CUTOVER_TEST_BACKENDS)"
"${test_cmd[@]}"

# The backfill benchmark's live-traffic part at smoke size (20,000 rows, debug build, about a
# minute): the application workload, the five modes and their correctness checks run on every
# selected database; the numbers are not recorded (docs/benchmarks.md has the full run).
# CUTOVER_TEST_BENCH_SMOKE=0 leaves it out.
if [[ "${CUTOVER_TEST_BENCH_SMOKE:-1}" != 0 ]]; then
    header "backfill live-traffic benchmark, smoke size (backends: $CUTOVER_TEST_BACKENDS)"
    CUTOVER_BENCH_ONLY=live CUTOVER_BENCH_SMOKE=1 cargo test -p cutover-tests --bench backfill
fi
