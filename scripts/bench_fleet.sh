#!/usr/bin/env bash
# Fleet benchmark: a 20-migration plan on 200 SQLite files and on 100 PostgreSQL schemas of one
# database, with `cutover up --group ... --parallel 1` and `--parallel 8` (fresh databases for
# every run). Uses the release binary: cargo build --release -p cutover-cli first.
# Usage: scripts/bench_fleet.sh [POSTGRES_SERVER_URL]   (default postgres://postgres@127.0.0.1:5432/postgres)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${CUTOVER_BIN:-$root/target/release/cutover}"
server="${1:-postgres://postgres@127.0.0.1:5432/postgres}"
base="${server%/*}"
work="$(mktemp -d /tmp/cutover_fleet_bench.XXXXXX)"
db="cutover_fleet_bench_$$"
trap 'rm -rf "$work"; psql "$server" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT

plan="$work/migrations"
mkdir -p "$plan"
cat > "$plan/0001_items.toml" <<'T'
description = "items"
[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "name", type = "varchar(100)", nullable = false },
]
T
cat > "$plan/0002_seed.toml" <<'T'
description = "seed"
[[steps]]
op = "sql"
sql = "INSERT INTO items (name) VALUES ('a'), ('b'), ('c'), ('d'), ('e'), ('f'), ('g'), ('h')"
down = "DELETE FROM items"
T
for i in $(seq 3 19); do
  v=$(printf '%04d' "$i")
  if (( i % 2 )); then
    printf 'description = "column c%s"\n[[steps]]\nop = "add_column"\ntable = "items"\ncolumn = { name = "c%s", type = "varchar(50)" }\n' "$i" "$i" > "$plan/${v}_c$i.toml"
  else
    printf 'description = "table t%s"\n[[steps]]\nop = "create_table"\ntable = "t%s"\ncolumns = [ { name = "id", type = "bigint", primary_key = true } ]\n' "$i" "$i" > "$plan/${v}_t$i.toml"
  fi
done
cat > "$plan/0020_fill.toml" <<'T'
description = "fill"
phase = "backfill"
[[steps]]
op = "backfill"
id = "items_c3"
table = "items"
pending = "c3 IS NULL"
set.c3 = "upper(name)"
undo.c3 = "NULL"
T

cat > "$work/cutover.toml" <<T
plan = "migrations"
[groups.sqlite]
targets_file = "sqlite.txt"
[groups.schemas]
targets_file = "schemas.txt"
T

run() { # group parallel
  local group=$1 k=$2
  rm -rf "$work/files"; mkdir -p "$work/files"
  : > "$work/sqlite.txt"; : > "$work/schemas.txt"
  for i in $(seq 1 200); do echo "sqlite://$work/files/t$i.db" >> "$work/sqlite.txt"; done
  psql "$server" -qc "DROP DATABASE IF EXISTS $db" >/dev/null
  psql "$server" -qc "CREATE DATABASE $db" >/dev/null
  for i in $(seq 1 100); do echo "$base/$db?search_path=tenant_$i" >> "$work/schemas.txt"; done
  local start end
  start=$(date +%s.%N)
  (cd "$work" && "$bin" up --group "$group" --create-database --parallel "$k" --no-backup --json > "$work/out.json" 2>/dev/null) || {
    echo "run failed: $(head -c 2000 "$work/out.json")" >&2; exit 1; }
  end=$(date +%s.%N)
  local ok
  ok=$(python3 -c "import json; d=json.load(open('$work/out.json')); print(d['ok'], d['converged'], sum(t['applied'] for t in d['targets']))")
  printf '| %s | %s | %.2f s | %s |\n' "$group" "$k" "$(echo "$end - $start" | bc)" "$ok"
}

echo "| group | --parallel | wall time | ok / converged / migrations applied |"
echo "|---|---|---|---|"
for g in sqlite schemas; do
  for k in 1 8; do run "$g" "$k"; done
done
