#!/usr/bin/env bash
# `v IN (SELECT w ..)` on columns the plan does not define (utf8mb4_general_ci, so the exact
# form applies) on MariaDB/MySQL: the statement cutover rendered before session 9 (A: bytes
# compared alone, no index usable) against the one it renders now (B: the pair `(v, bytes)`,
# looked up by the index on `w`), as one UPDATE over 200,000 rows (a backfill runs the same
# condition batch by batch). Runs A, B, A, B in one session and prints each statement's
# time; the database does all the work, so no cutover build is involved.
# Usage: scripts/bench_text_in_query.sh [ROUNDS]   (mysql client, root@127.0.0.1:3306)
set -euo pipefail
rounds="${1:-2}"
db="cutover_text_in_bench_$$"
my() { mysql -uroot -h127.0.0.1 --batch --skip-column-names "$@"; }
trap 'my -e "DROP DATABASE IF EXISTS $db" || true' EXIT

my -e "CREATE DATABASE $db"
my "$db" <<'SQL'
CREATE TABLE t (id int PRIMARY KEY, v varchar(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci, flag varchar(10));
CREATE TABLE wanted (id int PRIMARY KEY, w varchar(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci, KEY wanted_w (w));
INSERT INTO t (id, v) SELECT seq, CONCAT('k', seq % 2000) FROM seq_1_to_200000;
-- Half of `wanted` differs from `t` by case only: the plain IN matches it, the exact one not.
INSERT INTO wanted (id, w) SELECT seq, CONCAT(IF(seq % 2 = 0, 'k', 'K'), seq) FROM seq_1_to_1000;
ANALYZE TABLE t, wanted;
SQL

plain='`v` IN (SELECT `w` FROM `wanted`)'
before="$plain AND ((COLLATION(\`v\`) = 'binary') OR (CAST(CONVERT(\`v\` USING utf8mb4) AS BINARY)) IN (SELECT CAST(CONVERT(\`w\` USING utf8mb4) AS BINARY) FROM \`wanted\`))"
after="$plain AND ((COLLATION(\`v\`) = 'binary') OR (\`v\`, CAST(CONVERT(\`v\` USING utf8mb4) AS BINARY)) IN (SELECT \`w\`, CAST(CONVERT(\`w\` USING utf8mb4) AS BINARY) FROM \`wanted\`))"

for form in before after; do
  echo "== EXPLAIN ($form)"
  mysql -uroot -h127.0.0.1 --table "$db" -e "EXPLAIN UPDATE t SET flag = 'hit' WHERE ${!form}"
done

echo "load before: $(cat /proc/loadavg)"
for r in $(seq "$rounds"); do
  for form in before after; do
    out=$(my "$db" -e "UPDATE t SET flag = NULL; SELECT UNIX_TIMESTAMP(NOW(6)); UPDATE t SET flag = 'hit' WHERE ${!form}; SELECT UNIX_TIMESTAMP(NOW(6)), ROW_COUNT();")
    t0=$(echo "$out" | sed -n 1p); t1=$(echo "$out" | sed -n 2p | cut -f1); n=$(echo "$out" | sed -n 2p | cut -f2)
    printf 'round %s %-6s %8.2f s  %s rows\n' "$r" "$form" "$(echo "$t1 - $t0" | bc)" "$n"
  done
done
echo "load after: $(cat /proc/loadavg)"
