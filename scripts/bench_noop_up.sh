#!/usr/bin/env bash
# Times a no-op `up` (every migration already applied) of cutover against dbmate, on 300
# equivalent small migrations, on SQLite and PostgreSQL. Not a test: prints hyperfine tables.
#
#   bash scripts/bench_noop_up.sh                 # builds cutover (release) first
#   CUTOVER_BIN=path/to/cutover bash scripts/bench_noop_up.sh
#
# Needs hyperfine (apt-get install -y hyperfine) and dbmate (npm install --prefix /tmp/dbmate
# dbmate, or DBMATE=path); PostgreSQL at CUTOVER_TEST_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432/postgres). Set BENCH_BACKENDS=sqlite to skip PostgreSQL.
set -euo pipefail

N="${N:-300}"
RUNS="${RUNS:-30}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-$(mktemp -d /tmp/cutover-bench-noop.XXXXXX)}"
# The npm package's `.bin/dbmate` is a Node.js wrapper; time the native binary it ships.
DBMATE="${DBMATE:-$(ls /tmp/dbmate/node_modules/@dbmate/*/bin/dbmate 2>/dev/null | head -1)}"
PG_URL="${CUTOVER_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
BACKENDS="${BENCH_BACKENDS:-sqlite postgres}"

command -v hyperfine >/dev/null || { echo "hyperfine not found: apt-get install -y hyperfine" >&2; exit 1; }
[ -x "$DBMATE" ] || { echo "dbmate not found at $DBMATE: npm install --prefix /tmp/dbmate dbmate, or set DBMATE" >&2; exit 1; }
if [ -z "${CUTOVER_BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release -p cutover-cli --quiet)
  CUTOVER_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/cutover"
fi

plan="$WORK/plan"
sqls="$WORK/dbmate"
mkdir -p "$plan" "$sqls"
for i in $(seq 1 "$N"); do
  v=$(printf '%04d' "$i")
  cat > "$plan/${v}_create_t$i.toml" <<TOML
description = "create t$i"

[[steps]]
op = "create_table"
table = "t$i"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "name", type = "text" },
]
TOML
  cat > "$sqls/${v}_create_t$i.sql" <<SQL
-- migrate:up
CREATE TABLE t$i (id bigint PRIMARY KEY, name text);

-- migrate:down
DROP TABLE t$i;
SQL
done

with_db() { # URL NAME -> the URL with database NAME
  local base="${1%%\?*}"
  echo "${base%/*}/$2"
}

echo "cutover: $CUTOVER_BIN ($("$CUTOVER_BIN" --version 2>/dev/null || echo unknown))"
echo "dbmate: $("$DBMATE" --version)"
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%F)"
for backend in $BACKENDS; do
  case "$backend" in
    sqlite)
      cut_url="sqlite://$WORK/cutover.db"
      dbm_url="sqlite:$WORK/dbmate.db"
      ;;
    postgres)
      psql "$PG_URL" -qc "DROP DATABASE IF EXISTS bench_noop_cutover" -c "DROP DATABASE IF EXISTS bench_noop_dbmate" \
        -c "CREATE DATABASE bench_noop_cutover" -c "CREATE DATABASE bench_noop_dbmate" >/dev/null
      cut_url="$(with_db "$PG_URL" bench_noop_cutover)"
      dbm_url="$(with_db "$PG_URL" bench_noop_dbmate)?sslmode=disable"
      ;;
    *) echo "unknown backend $backend" >&2; exit 1 ;;
  esac
  cut=("$CUTOVER_BIN" up --no-backup --plan "$plan" --database "$cut_url")
  dbm=("$DBMATE" --no-dump-schema --migrations-dir "$sqls" --url "$dbm_url" up)
  "${cut[@]}" >/dev/null 2>&1
  "${dbm[@]}" >/dev/null 2>&1
  echo "## $backend: no-op up over $N applied migrations"
  hyperfine -N --warmup 3 --runs "$RUNS" --export-markdown "$WORK/$backend.md" \
    -n cutover "${cut[*]}" -n dbmate "${dbm[*]}"
  cat "$WORK/$backend.md"
  if [ "$backend" = postgres ]; then
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS bench_noop_cutover" -c "DROP DATABASE IF EXISTS bench_noop_dbmate" >/dev/null
  fi
done
echo "results in $WORK"
