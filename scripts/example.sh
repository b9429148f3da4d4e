#!/usr/bin/env bash
# Runs the example plan (examples/messages) on an embedded SQLite database:
# preview the backfill's SQL, apply every migration, then show the status.
# Needs only a Rust toolchain; the SQLite engine is compiled into cutover.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet -p cutover-cli
bin="$PWD/target/debug/cutover"
cd examples/messages
rm -f dev.db dev.db-wal dev.db-shm

echo "==> cutover sql --dialect sqlite --from 0004   (what the backfill runs, no database needed)"
"$bin" sql --dialect sqlite --from 0004
echo "==> cutover up --target dev   (sqlite://dev.db from cutover.toml)"
"$bin" up --target dev
echo "==> cutover status --target dev"
"$bin" status --target dev
