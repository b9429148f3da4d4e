# scripts/replicas.sh — sourced by scripts/test.sh: real replication for the
# replica-lag tests (tests/tests/replica_lag.rs).
#
#   PostgreSQL: a streaming replica of the test server, made with pg_basebackup
#               into $CUTOVER_REPLICA_DIR/pg and started with pg_ctl on port
#               $CUTOVER_TEST_PG_REPLICA_PORT [5433].
#   MariaDB:    a primary/replica pair of their own (the test server is left
#               alone): data directories made by mariadb-install-db under
#               $CUTOVER_REPLICA_DIR, primary on port 3307 (log_bin,
#               server_id=1), replica on port 3308 (server_id=2).
#
# Exports CUTOVER_TEST_PG_REPLICA_URL, CUTOVER_TEST_MYSQL_PRIMARY_URL and
# CUTOVER_TEST_MYSQL_REPLICA_URL. Idempotent and quick: servers that already
# run are reused (and a replay left paused by a killed test is resumed).
# Needs root (it runs the servers as the postgres and mysql OS users).
# CUTOVER_TEST_REPLICAS=0 leaves replicas out; the replica tests then say so and
# pass nothing off as tested. Any other failure is fatal, naming the backend.

CUTOVER_REPLICA_DIR=${CUTOVER_REPLICA_DIR:-/tmp/cutover-replicas}
PGR_PORT=${CUTOVER_TEST_PG_REPLICA_PORT:-5433}
MYP_PORT=3307
MYR_PORT=3308

replica_fail() {
    local backend=$1
    shift
    {
        printf '[test.sh] ERROR: %s replica is not available: %s\n' "$backend" "$*"
        printf '[test.sh] Run as root so the script can start it, or leave replicas out\n'
        printf '[test.sh] explicitly: CUTOVER_TEST_REPLICAS=0 scripts/test.sh\n'
    } >&2
    exit 1
}

# ------------------------------------------------------ PostgreSQL replica

pgr_sql() {
    PGCONNECT_TIMEOUT=3 psql "postgres://postgres@127.0.0.1:$PGR_PORT/postgres" -Atqc "$1" 2>/dev/null
}

provision_pg_replica() {
    parse_url "$CUTOVER_TEST_POSTGRES_URL"
    local host=${URL_HOST:-127.0.0.1} port=${URL_PORT:-5432}
    local dir="$CUTOVER_REPLICA_DIR/pg" bin ver
    ver=$(psql "$CUTOVER_TEST_POSTGRES_URL" -Atqc "SHOW server_version_num" 2>/dev/null) ||
        replica_fail postgres "cannot query the primary"
    bin="/usr/lib/postgresql/$((ver / 10000))/bin"
    [[ -x $bin/pg_basebackup ]] || replica_fail postgres "$bin/pg_basebackup is missing"
    export CUTOVER_TEST_PG_REPLICA_URL="postgres://postgres@127.0.0.1:$PGR_PORT/postgres"

    if [[ $(pgr_sql 'SELECT pg_is_in_recovery()') == t ]]; then
        # Reused: undo a replay pause a killed test may have left.
        pgr_sql 'SELECT pg_wal_replay_resume()' >/dev/null || true
        return 0
    fi
    is_root || replica_fail postgres "nothing answers on port $PGR_PORT and we are not root"
    local hba
    hba=$(psql "$CUTOVER_TEST_POSTGRES_URL" -Atqc 'SHOW hba_file' 2>/dev/null) ||
        replica_fail postgres "cannot read hba_file from the primary"
    if ! grep -qx 'host replication all 127.0.0.1/32 trust' "$hba"; then
        say "allowing replication connections from 127.0.0.1 in $hba"
        printf '# added by cutover scripts/test.sh: streaming replica for the tests\nhost replication all 127.0.0.1/32 trust\n' >>"$hba"
        psql "$CUTOVER_TEST_POSTGRES_URL" -Atqc 'SELECT pg_reload_conf()' >/dev/null
    fi
    mkdir -p "$CUTOVER_REPLICA_DIR/pg-log"
    chmod 755 "$CUTOVER_REPLICA_DIR"
    chown postgres:postgres "$CUTOVER_REPLICA_DIR/pg-log"
    # A data directory that does not start (or is too far behind) is made again.
    local attempt
    for attempt in 1 2; do
        if [[ ! -f $dir/standby.signal ]]; then
            rm -rf "$dir"
            mkdir -m 700 "$dir"
            chown postgres:postgres "$dir"
            say "pg_basebackup of $host:$port into $dir (streaming replica on port $PGR_PORT)"
            as_postgres "$bin/pg_basebackup -h $host -p $port -U postgres -D $dir -R -X stream -c fast" \
                >"$CUTOVER_REPLICA_DIR/pg-basebackup.log" 2>&1 ||
                { tail -n 5 "$CUTOVER_REPLICA_DIR/pg-basebackup.log" >&2; replica_fail postgres "pg_basebackup failed"; }
            cat >"$dir/postgresql.conf" <<EOF
port = $PGR_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
hot_standby = on
hot_standby_feedback = on
max_standby_streaming_delay = 5s
wal_receiver_status_interval = 1s
shared_buffers = 16MB
EOF
            printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$dir/pg_hba.conf"
            rm -f "$dir/postmaster.pid"
            chown -R postgres:postgres "$dir"
            chmod 700 "$dir"
        fi
        as_postgres "$bin/pg_ctl -D $dir -l $CUTOVER_REPLICA_DIR/pg-log/pg.log -w -t 30 start" >/dev/null 2>&1 || true
        local i
        for ((i = 0; i < 30; i++)); do
            [[ $(pgr_sql 'SELECT pg_is_in_recovery()') == t ]] && break
            sleep 1
        done
        if [[ $(pgr_sql 'SELECT pg_is_in_recovery()') == t ]] &&
            psql "$CUTOVER_TEST_POSTGRES_URL" -Atqc "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" | grep -qv '^0$'; then
            return 0
        fi
        say "the PostgreSQL replica in $dir does not stream; making it again"
        as_postgres "$bin/pg_ctl -D $dir -m immediate stop" >/dev/null 2>&1 || true
        rm -rf "$dir"
    done
    tail -n 10 "$CUTOVER_REPLICA_DIR/pg-log/pg.log" >&2 || true
    replica_fail postgres "the streaming replica on port $PGR_PORT did not come up (log: $CUTOVER_REPLICA_DIR/pg-log/pg.log)"
}

# ----------------------------------------------------- MariaDB primary/replica

myr_status() {
    timeout 5 mariadb --protocol=tcp -h127.0.0.1 -P"$MYR_PORT" -uroot --connect-timeout=3 \
        -e 'SHOW SLAVE STATUS\G' 2>/dev/null
}

myr_sql() {
    timeout 5 mariadb --protocol=tcp -h127.0.0.1 -P"$1" -uroot --connect-timeout=3 -Nse "$2" 2>/dev/null
}

# start_mariadb NAME PORT SERVER_ID EXTRA...
start_mariadb() {
    local name=$1 port=$2 id=$3
    shift 3
    local dir="$CUTOVER_REPLICA_DIR/$name"
    if myr_sql "$port" 'SELECT 1' >/dev/null; then return 0; fi
    is_root || replica_fail mysql "nothing answers on port $port and we are not root"
    if [[ ! -d $dir/mysql ]]; then
        mkdir -p "$dir"
        chown mysql:mysql "$dir"
        mariadb-install-db --no-defaults --user=mysql --datadir="$dir" \
            --auth-root-authentication-method=socket >"$CUTOVER_REPLICA_DIR/$name-install.log" 2>&1 ||
            { tail -n 5 "$CUTOVER_REPLICA_DIR/$name-install.log" >&2; replica_fail mysql "mariadb-install-db for $name failed"; }
    fi
    local pid
    pid=$(cat "$dir/mysqld.pid" 2>/dev/null || true)
    if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then
        setsid /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$dir" --port="$port" \
            --bind-address=127.0.0.1 --skip-name-resolve --socket="$dir/mysqld.sock" \
            --pid-file="$dir/mysqld.pid" --server-id="$id" --innodb-buffer-pool-size=32M \
            --log-error="$dir/error.log" "$@" </dev/null >/dev/null 2>&1 &
    fi
    local i
    for ((i = 0; i < 30; i++)); do
        timeout 5 mariadb -uroot -S "$dir/mysqld.sock" -e 'SELECT 1' >/dev/null 2>&1 && break
        sleep 1
    done
    # Root over TCP without a password, kept out of the binary log.
    timeout 5 mariadb -uroot -S "$dir/mysqld.sock" -e "SET SESSION sql_log_bin = 0;
        CREATE USER IF NOT EXISTS root@'127.0.0.1' IDENTIFIED BY '';
        GRANT ALL ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;" >/dev/null 2>&1 ||
        { tail -n 5 "$dir/error.log" >&2; replica_fail mysql "MariaDB $name did not come up on port $port (log: $dir/error.log)"; }
}

provision_mysql_replicas() {
    command -v mariadb-install-db >/dev/null || replica_fail mysql "mariadb-install-db is missing"
    mkdir -p "$CUTOVER_REPLICA_DIR"
    start_mariadb my-primary "$MYP_PORT" 1 --log-bin=mysql-bin --binlog-format=ROW
    start_mariadb my-replica "$MYR_PORT" 2 --relay-log=relay-bin
    local io
    io=$(myr_status | awk -F': ' '/Master_Port/ {print $2}' || true)
    if [[ $io != "$MYP_PORT" ]]; then
        say "MariaDB replication 127.0.0.1:$MYP_PORT -> 127.0.0.1:$MYR_PORT"
        myr_sql "$MYR_PORT" "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MYP_PORT,
            MASTER_USER='root', MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1" >/dev/null ||
            replica_fail mysql "CHANGE MASTER TO on port $MYR_PORT failed"
    fi
    # Reused or new: both threads run (a killed test may have stopped the SQL thread).
    myr_sql "$MYR_PORT" 'START SLAVE' >/dev/null || replica_fail mysql "START SLAVE on port $MYR_PORT failed"
    local i state
    for ((i = 0; i < 20; i++)); do
        state=$(myr_status | awk -F': ' '/Slave_(IO|SQL)_Running:/ {printf "%s ", $2}' || true)
        [[ $state == "Yes Yes " ]] && break
        sleep 0.5
    done
    [[ $state == "Yes Yes " ]] ||
        replica_fail mysql "replication threads on port $MYR_PORT are not running ($state; see $CUTOVER_REPLICA_DIR/my-replica/error.log)"
    export CUTOVER_TEST_MYSQL_PRIMARY_URL="mysql://root@127.0.0.1:$MYP_PORT/mysql"
    export CUTOVER_TEST_MYSQL_REPLICA_URL="mysql://root@127.0.0.1:$MYR_PORT/mysql"
}

# provision_replicas BACKEND...: for each selected backend that has replicas.
provision_replicas() {
    if [[ ${CUTOVER_TEST_REPLICAS:-1} == 0 ]]; then
        say "CUTOVER_TEST_REPLICAS=0: replicas left out (tests/tests/replica_lag.rs checks nothing)"
        return 0
    fi
    local b
    for b in "$@"; do
        case "$b" in
            postgres) provision_pg_replica ;;
            mysql) provision_mysql_replicas ;;
        esac
    done
}
