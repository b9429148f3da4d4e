# scripts/replicas.sh — sourced by scripts/test.sh: real replication for the
# replica-lag tests (tests/tests/replica_lag.rs).
#
#   PostgreSQL: a primary of its own (initdb into $CUTOVER_REPLICA_DIR/pg-primary,
#               port 5434) and its streaming replica (pg_basebackup into
#               $CUTOVER_REPLICA_DIR/pg-replica, port 5433), both started with
#               pg_ctl as the postgres user. Not a replica of the test server:
#               the WAL of every other test would keep it minutes behind.
#   MariaDB:    a primary/replica pair of their own (the test server is left
#               alone): data directories made by mariadb-install-db under
#               $CUTOVER_REPLICA_DIR, primary on port 3307 (log_bin,
#               server_id=1), replica on port 3308 (server_id=2).
#
# Exports CUTOVER_TEST_PG_PRIMARY_URL, CUTOVER_TEST_PG_REPLICA_URL,
# CUTOVER_TEST_MYSQL_PRIMARY_URL and
# CUTOVER_TEST_MYSQL_REPLICA_URL. Idempotent and quick: servers that already
# run are reused (and a replay left paused by a killed test is resumed).
# Needs root (it runs the servers as the postgres and mysql OS users).
# CUTOVER_TEST_REPLICAS=0 leaves replicas out; the replica tests then say so and
# pass nothing off as tested. Any other failure is fatal, naming the backend.

CUTOVER_REPLICA_DIR=${CUTOVER_REPLICA_DIR:-/tmp/cutover-replicas}
PGP_PORT=5434
PGR_PORT=5433
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

pg_on() {
    PGCONNECT_TIMEOUT=3 psql "postgres://postgres@127.0.0.1:$1/postgres" -Atqc "$2" 2>/dev/null
}

# A primary of its own, not the test server: every test's WAL (hundreds of CREATE
# DATABASE) would keep a replica of the shared server minutes behind on a busy machine.
provision_pg_replica() {
    local ver bin
    ver=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
    bin="/usr/lib/postgresql/$ver/bin"
    [[ -x $bin/initdb && -x $bin/pg_basebackup ]] || replica_fail postgres "initdb/pg_basebackup missing under $bin"
    local pdir="$CUTOVER_REPLICA_DIR/pg-primary" rdir="$CUTOVER_REPLICA_DIR/pg-replica"
    local log="$CUTOVER_REPLICA_DIR/pg-log"
    export CUTOVER_TEST_PG_PRIMARY_URL="postgres://postgres@127.0.0.1:$PGP_PORT/postgres"
    export CUTOVER_TEST_PG_REPLICA_URL="postgres://postgres@127.0.0.1:$PGR_PORT/postgres"
    if [[ $(pg_on "$PGP_PORT" 'SELECT pg_is_in_recovery()') == f && $(pg_on "$PGR_PORT" 'SELECT pg_is_in_recovery()') == t ]]; then
        # Reused: undo a replay pause a killed test may have left.
        pg_on "$PGR_PORT" 'SELECT pg_wal_replay_resume()' >/dev/null || true
        return 0
    fi
    is_root || replica_fail postgres "nothing answers on ports $PGP_PORT/$PGR_PORT and we are not root"
    mkdir -p "$log"
    chmod 755 "$CUTOVER_REPLICA_DIR"
    chown postgres:postgres "$log"
    if [[ $(pg_on "$PGP_PORT" 'SELECT pg_is_in_recovery()') != f ]]; then
        if [[ ! -f $pdir/PG_VERSION ]]; then
            rm -rf "$pdir"
            mkdir -m 700 "$pdir"
            chown postgres:postgres "$pdir"
            say "initdb $pdir (PostgreSQL primary for the replica tests, port $PGP_PORT)"
            as_postgres "$bin/initdb -D $pdir --auth=trust -U postgres" >"$log/initdb.log" 2>&1 ||
                { tail -n 5 "$log/initdb.log" >&2; replica_fail postgres "initdb failed"; }
            printf "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nshared_buffers = 16MB\nwal_level = replica\nmax_wal_senders = 5\nwal_keep_size = 256MB\n" \
                "$PGP_PORT" "$pdir" >>"$pdir/postgresql.conf"
        fi
        as_postgres "$bin/pg_ctl -D $pdir -l $log/primary.log -w -t 30 start" >/dev/null 2>&1 ||
            { tail -n 5 "$log/primary.log" >&2; replica_fail postgres "the primary on port $PGP_PORT did not start"; }
    fi
    local attempt
    for attempt in 1 2; do
        if [[ ! -f $rdir/standby.signal ]]; then
            rm -rf "$rdir"
            mkdir -m 700 "$rdir"
            chown postgres:postgres "$rdir"
            say "pg_basebackup into $rdir (streaming replica on port $PGR_PORT)"
            as_postgres "$bin/pg_basebackup -h 127.0.0.1 -p $PGP_PORT -U postgres -D $rdir -R -X stream -c fast" \
                >"$log/basebackup.log" 2>&1 ||
                { tail -n 5 "$log/basebackup.log" >&2; replica_fail postgres "pg_basebackup failed"; }
            # The copied configuration is the primary's: later lines win.
            printf "port = %s\nunix_socket_directories = '%s'\nhot_standby = on\nwal_receiver_status_interval = 1s\n" \
                "$PGR_PORT" "$rdir" >>"$rdir/postgresql.conf"
            rm -f "$rdir/postmaster.pid"
        fi
        as_postgres "$bin/pg_ctl -D $rdir -l $log/replica.log -w -t 30 start" >/dev/null 2>&1 || true
        local i
        for ((i = 0; i < 20; i++)); do
            [[ $(pg_on "$PGP_PORT" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") =~ ^[1-9] ]] && return 0
            sleep 0.5
        done
        say "the PostgreSQL replica in $rdir does not stream; making it again"
        as_postgres "$bin/pg_ctl -D $rdir -m immediate stop" >/dev/null 2>&1 || true
        rm -rf "$rdir"
    done
    tail -n 10 "$log/replica.log" >&2 || true
    replica_fail postgres "the streaming replica on port $PGR_PORT did not come up (log: $log/replica.log)"
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
