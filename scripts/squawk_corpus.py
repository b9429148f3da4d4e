#!/usr/bin/env python3
"""Runs squawk on the raw SQL of the lint corpus (tests/lint_corpus/) and compares.

Not part of CI: it needs squawk, e.g. `npm install --prefix /tmp/squawk squawk-cli`, then
`SQUAWK=/tmp/squawk/node_modules/.bin/squawk scripts/squawk_corpus.py`.

- Every dangerous case with a `squawk_rule` must be flagged by squawk with that rule; a case
  that is not is not a squawk pattern and must be fixed (exit status 1).
- The PostgreSQL raw SQL of every safe case is run through squawk too: its findings there are
  its false positives, printed for the comparison in docs/lint.md.

squawk sees one file at a time; each migration of a case is one file, run with
`--assume-in-transaction` when cutover runs the migration in a transaction. The timeout rules
(require-timeout-settings, require-lock-timeout, require-statement-timeout) are excluded:
cutover sets lock_timeout and statement_timeout itself. `--markdown` prints the tables.
"""

import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "lint_corpus"
SQUAWK = os.environ.get("SQUAWK", "squawk")
EXCLUDED = ["require-timeout-settings", "require-lock-timeout", "require-statement-timeout"]


def raw_items(case):
    raw = case.get("raw")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        if isinstance(item, str):
            out.append({"sql": item, "head": ""})
        else:
            out.append({"sql": item["sql"], "head": item.get("head", "")})
    return out


def in_transaction(case, item):
    for line in item["head"].splitlines():
        if line.strip().startswith("transaction"):
            return line.split("=", 1)[1].strip() == "true"
    return case.get("transaction", True)


def squawk(sql, transaction, pg_version, workdir):
    path = Path(workdir) / "migration.sql"
    path.write_text(sql.rstrip().rstrip(";") + ";\n")
    cmd = [SQUAWK, "--reporter", "json", "--exclude", ",".join(EXCLUDED)]
    cmd.append("--assume-in-transaction" if transaction else "--no-assume-in-transaction")
    if pg_version:
        cmd.append(f"--pg-version={pg_version}")
    cmd.append(str(path))
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    try:
        return sorted({v["rule_name"] for v in json.loads(done.stdout or "[]")})
    except json.JSONDecodeError:
        sys.exit(f"squawk printed no JSON for {sql!r}: {done.stdout}{done.stderr}")


def rules_of(case, workdir):
    found = set()
    for item in raw_items(case):
        found.update(squawk(item["sql"], in_transaction(case, item), case.get("squawk_pg_version"), workdir))
    return sorted(found)


def main():
    markdown = "--markdown" in sys.argv
    version = subprocess.run([SQUAWK, "--version"], capture_output=True, text=True).stdout.strip()
    dangerous = tomllib.loads((CORPUS / "dangerous.toml").read_text())["case"]
    safe = tomllib.loads((CORPUS / "safe.toml").read_text())["case"]
    bad = []
    with tempfile.TemporaryDirectory() as workdir:
        rows = []
        flagged = total = 0
        for case in dangerous:
            want = case.get("squawk_rule", "")
            if not want or "raw" not in case:
                continue
            got = rules_of(case, workdir)
            total += 1
            ok = want in got
            flagged += ok
            if not ok:
                bad.append(f"{case['name']}: squawk does not flag {want} (got {', '.join(got) or 'nothing'})")
            rows.append(f"| {case['name']} | {want} | {'ok' if ok else 'MISSED'} | {', '.join(got)} |")
        fp_rows = []
        fps = fps_robust_only = checked = 0
        for case in safe:
            dialects = case.get("raw_dialects", case.get("dialects", ["postgres"]))
            if "raw" not in case or "postgres" not in dialects:
                continue
            checked += 1
            got = rules_of(case, workdir)
            if got:
                fps += 1
                if set(got) == {"prefer-robust-stmts"}:
                    fps_robust_only += 1
            fp_rows.append(f"| {case['name']} | {', '.join(got) or 'nothing'} |")
    print(f"{version}: dangerous raw SQL flagged with the named rule {flagged}/{total}")
    print(f"{version}: safe raw SQL with a finding {fps}/{checked} "
          f"({fps_robust_only} of them only prefer-robust-stmts)")
    if markdown:
        print("\n| dangerous case | squawk rule | flagged | squawk said |\n|---|---|---|---|")
        print("\n".join(rows))
        print("\n| safe case | squawk said |\n|---|---|")
        print("\n".join(fp_rows))
    if bad:
        print("\nnot squawk patterns:\n" + "\n".join(bad))
        sys.exit(1)


if __name__ == "__main__":
    main()
