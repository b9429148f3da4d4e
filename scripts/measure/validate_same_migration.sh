#!/bin/bash
# How long a concurrent INSERT waits while a NOT VALID constraint is validated: ADD .. NOT VALID
# and VALIDATE CONSTRAINT in one transaction (one transactional migration) vs separately (two
# migrations). Numbers are in docs/lint.md (pg/validate-in-same-migration).
# Needs PostgreSQL on 127.0.0.1:5432, user postgres (trust); creates database b_measure.
set -eu
P="psql -h 127.0.0.1 -U postgres -X -q"
$P -c "drop database if exists b_measure" -c "create database b_measure"
P="$P b_measure"
$P -c "create table parents(id int primary key); insert into parents select g from generate_series(1,1000) g;
create table t(id bigserial primary key, parent_id int not null, qty int not null);
insert into t(parent_id, qty) select 1 + g % 1000, 1 + g % 7 from generate_series(1,1000000) g; analyze t;"
# A second connection INSERTs 150 ms after the migration starts (during the validation scan);
# psql's \timing gives the INSERT's own duration.
ins() { sleep 0.15; $P -c "\timing on" -c "insert into t(parent_id, qty) values (1, 1)" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'; }
for kind in fk check; do
  if [ $kind = check ]; then ADD="alter table t add constraint c_$kind check (md5(id::text || qty::text) <> '') not valid"
  else ADD="alter table t add constraint c_$kind foreign key (parent_id) references parents(id) not valid"; fi
  VAL="alter table t validate constraint c_$kind"
  for mode in one-transaction two-migrations; do
    for run in 1 2 3; do
      $P -c "alter table t drop constraint if exists c_$kind" 2>/dev/null
      if [ $mode = one-transaction ]; then ( $P -c "begin; $ADD; $VAL; commit;" ) & m=$!
      else ( $P -c "$ADD"; $P -c "$VAL" ) & m=$!; fi
      w=$(ins); wait $m
      echo "$kind $mode run$run insert_ms=$w"
    done
  done
done
psql -h 127.0.0.1 -U postgres -X -q -c "drop database b_measure"
