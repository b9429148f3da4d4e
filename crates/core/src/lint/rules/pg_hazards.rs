//! PostgreSQL rules added with the squawk integration (issue 13): each is found by squawk on
//! the step's PostgreSQL SQL, by cutover's typed checks ([`super::pg_typed`]), or both.

use crate::dialect::Dialect;
use crate::lint::finding::{RuleInfo, Severity};

const PG: Option<Dialect> = Some(Dialect::Postgres);

/// `pg/drop-index-without-concurrently`.
pub(crate) const DROP_INDEX_WITHOUT_CONCURRENTLY: RuleInfo = RuleInfo {
    id: "pg/drop-index-without-concurrently",
    severity: Severity::Error,
    dialect: PG,
    origin: "cutover + squawk: require-concurrent-index-deletion",
    summary: "An index of an existing table is dropped without CONCURRENTLY",
    explanation: "DROP INDEX takes an ACCESS EXCLUSIVE lock on the table: while it waits for running queries to finish, every new read and write on the table queues behind it.",
    fix: "Set `concurrently = true` on the drop_index step (raw SQL: DROP INDEX CONCURRENTLY) in a migration with `transaction = false`.",
};

/// `pg/concurrent-index-in-transaction`.
pub(crate) const CONCURRENT_INDEX_IN_TRANSACTION: RuleInfo = RuleInfo {
    id: "pg/concurrent-index-in-transaction",
    severity: Severity::Error,
    dialect: PG,
    origin: "cutover + squawk: ban-concurrent-index-creation-in-transaction",
    summary: "CREATE/DROP INDEX CONCURRENTLY in a migration that runs in a transaction",
    explanation: "PostgreSQL refuses CONCURRENTLY inside a transaction block, so `cutover up` stops at this migration in production.",
    fix: "Set `transaction = false` at the top of the migration file (keep the concurrent index build in a migration of its own).",
};

/// `pg/concurrent-index-without-if-not-exists`.
pub(crate) const CONCURRENT_INDEX_WITHOUT_IF_NOT_EXISTS: RuleInfo = RuleInfo {
    id: "pg/concurrent-index-without-if-not-exists",
    severity: Severity::Warning,
    dialect: PG,
    origin: "squawk: prefer-robust-stmts",
    summary: "Raw CREATE INDEX CONCURRENTLY without IF NOT EXISTS",
    explanation: "A concurrent build that fails (a duplicate for a unique index, a deadlock, a cancelled statement) leaves an INVALID index behind; running the migration again then fails with `relation already exists`.",
    fix: "Write CREATE INDEX CONCURRENTLY IF NOT EXISTS, and drop an INVALID leftover (DROP INDEX CONCURRENTLY) before retrying; or use a typed create_index step.",
};

/// `pg/add-column-volatile-default`.
pub(crate) const ADD_COLUMN_VOLATILE_DEFAULT: RuleInfo = RuleInfo {
    id: "pg/add-column-volatile-default",
    severity: Severity::Error,
    dialect: PG,
    origin: "cutover + squawk: adding-field-with-default",
    summary: "A column with a volatile default (uuid(), random()) is added to an existing table",
    explanation: "A constant or stable default (now(), a literal) is stored once in the catalog, but a volatile one must be computed per row: PostgreSQL rewrites the whole table under an ACCESS EXCLUSIVE lock (measured: 3.75 s for 500k rows).",
    fix: "Add the column without a default (or with a constant one), set the volatile default in a later alter_column step so that only new rows get it, and fill the existing rows with a batched backfill.",
};

/// `pg/add-serial-primary-key`.
pub(crate) const ADD_SERIAL_PRIMARY_KEY: RuleInfo = RuleInfo {
    id: "pg/add-serial-primary-key",
    severity: Severity::Error,
    dialect: PG,
    origin: "squawk: adding-serial-primary-key-field",
    summary: "A primary key is added to an existing table without a prebuilt index",
    explanation: "ADD PRIMARY KEY (or a serial/identity primary key column) fills the column and builds the unique index while holding an ACCESS EXCLUSIVE lock: reads and writes stop for the whole build.",
    fix: "Build a unique index first with CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT .. PRIMARY KEY USING INDEX that index.",
};

/// `pg/unique-constraint-without-index`.
pub(crate) const UNIQUE_CONSTRAINT_WITHOUT_INDEX: RuleInfo = RuleInfo {
    id: "pg/unique-constraint-without-index",
    severity: Severity::Error,
    dialect: PG,
    origin: "squawk: disallowed-unique-constraint",
    summary: "Raw ADD UNIQUE on an existing table without USING INDEX",
    explanation: "Adding a unique constraint builds its index under an ACCESS EXCLUSIVE lock: the table is unreadable and unwritable until the index is built.",
    fix: "CREATE UNIQUE INDEX CONCURRENTLY first, then ALTER TABLE .. ADD CONSTRAINT .. UNIQUE USING INDEX; typed: create_index with unique = true, concurrently = true.",
};

/// `pg/drop-not-null`.
pub(crate) const DROP_NOT_NULL: RuleInfo = RuleInfo {
    id: "pg/drop-not-null",
    severity: Severity::Warning,
    dialect: PG,
    origin: "cutover + squawk: ban-drop-not-null",
    summary: "NOT NULL is removed from a column of an existing table",
    explanation: "Code of the previous release may rely on the column never being NULL; once new code writes NULLs, making the column NOT NULL again (or rolling back) needs a cleanup of those rows.",
    fix: "Make sure every reader handles NULL before this migration ships; suppress with the reason once that is true.",
};

/// `pg/prefer-bigint`.
pub(crate) const PREFER_BIGINT: RuleInfo = RuleInfo {
    id: "pg/prefer-bigint",
    severity: Severity::Warning,
    dialect: PG,
    origin: "cutover + squawk: prefer-bigint-over-int, prefer-bigint-over-smallint",
    summary: "A key column is an integer or smallint",
    explanation: "A 32-bit key runs out at 2,147,483,647; widening it later to bigint rewrites the table and every index and foreign key that uses it under an ACCESS EXCLUSIVE lock.",
    fix: "Use `bigint` for primary keys, identity columns and the foreign keys that reference them.",
};

/// `pg/prefer-identity`.
pub(crate) const PREFER_IDENTITY: RuleInfo = RuleInfo {
    id: "pg/prefer-identity",
    severity: Severity::Warning,
    dialect: PG,
    origin: "squawk: prefer-identity",
    summary: "A serial / bigserial column in raw SQL",
    explanation: "serial creates a sequence owned separately from the column, with permissions and dumps that surprise; identity columns are the SQL-standard replacement.",
    fix: "Use `bigint GENERATED BY DEFAULT AS IDENTITY` (typed: `identity = true`).",
};

/// `pg/prefer-text`.
pub(crate) const PREFER_TEXT: RuleInfo = RuleInfo {
    id: "pg/prefer-text",
    severity: Severity::Warning,
    dialect: PG,
    origin: "squawk: prefer-text-field, ban-char-field",
    summary: "A varchar(n) or char(n) column in raw SQL",
    explanation: "On PostgreSQL varchar(n) stores like text; lowering the limit later rewrites the table, and char(n) pads values with spaces. (Typed `varchar(n)` is not reported: plans stay portable, and MySQL needs a length to index a column.)",
    fix: "Use `text`, with a CHECK (length(col) <= n) added NOT VALID if a limit matters.",
};

/// `pg/prefer-timestamptz`.
pub(crate) const PREFER_TIMESTAMPTZ: RuleInfo = RuleInfo {
    id: "pg/prefer-timestamptz",
    severity: Severity::Warning,
    dialect: PG,
    origin: "cutover + squawk: prefer-timestamptz",
    summary: "A `timestamp` (without time zone) column",
    explanation: "timestamp stores wall-clock time without a zone: values written by servers or sessions in different zones cannot be compared, and converting the column later rewrites the table.",
    fix: "Use `timestamptz`.",
};

/// `pg/identifier-too-long`.
pub(crate) const IDENTIFIER_TOO_LONG: RuleInfo = RuleInfo {
    id: "pg/identifier-too-long",
    severity: Severity::Error,
    dialect: PG,
    origin: "squawk: identifier-too-long",
    summary: "A name in raw SQL is longer than 63 bytes (typed names are refused when the plan loads)",
    explanation: "PostgreSQL silently cuts names to 63 bytes: two long names become the same name, and a later step that refers to the full name does not find the object.",
    fix: "Shorten the name to at most 63 bytes.",
};

/// `pg/transaction-control-in-step`.
pub(crate) const TRANSACTION_CONTROL_IN_STEP: RuleInfo = RuleInfo {
    id: "pg/transaction-control-in-step",
    severity: Severity::Error,
    dialect: PG,
    origin: "squawk: transaction-nesting, ban-uncommitted-transaction",
    summary: "BEGIN / COMMIT / ROLLBACK inside a raw SQL step",
    explanation: "cutover runs the migration in its own transaction and records its history in it: a COMMIT inside a step ends that transaction early (and cutover refuses such a step when it runs).",
    fix: "Remove the transaction control statements; set `transaction = false` at the top of the file if the statements must not share one transaction.",
};

/// `pg/domain-constraint`.
pub(crate) const DOMAIN_CONSTRAINT: RuleInfo = RuleInfo {
    id: "pg/domain-constraint",
    severity: Severity::Warning,
    dialect: PG,
    origin: "squawk: ban-create-domain-with-constraint, ban-alter-domain-with-add-constraint",
    summary: "A domain gets a CHECK constraint",
    explanation: "Adding a constraint to a domain checks every column of every table that uses it, under locks that block writes; and domain constraints cannot be added NOT VALID and validated later as safely as table checks.",
    fix: "Put the check on the tables (add_check with not_valid = true, then validate_constraint).",
};

/// `pg/reindex-without-concurrently`.
pub(crate) const REINDEX_WITHOUT_CONCURRENTLY: RuleInfo = RuleInfo {
    id: "pg/reindex-without-concurrently",
    severity: Severity::Error,
    dialect: PG,
    origin: "squawk: require-concurrent-reindex",
    summary: "REINDEX without CONCURRENTLY",
    explanation: "REINDEX locks out writes to the table (and reads that would use the index) until the rebuild is done.",
    fix: "REINDEX .. CONCURRENTLY (PostgreSQL 12+) in a migration with `transaction = false`.",
};

/// `pg/detach-partition-without-concurrently`.
pub(crate) const DETACH_PARTITION_WITHOUT_CONCURRENTLY: RuleInfo = RuleInfo {
    id: "pg/detach-partition-without-concurrently",
    severity: Severity::Error,
    dialect: PG,
    origin: "squawk: require-concurrent-partition-detach",
    summary: "DETACH PARTITION without CONCURRENTLY",
    explanation: "A plain DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the parent table: every query on the partitioned table waits.",
    fix: "DETACH PARTITION .. CONCURRENTLY (PostgreSQL 14+) in a migration with `transaction = false`.",
};

/// `pg/table-rewrite-command`.
pub(crate) const TABLE_REWRITE_COMMAND: RuleInfo = RuleInfo {
    id: "pg/table-rewrite-command",
    severity: Severity::Error,
    dialect: PG,
    origin: "squawk: prefer-repack",
    summary: "VACUUM FULL or CLUSTER in a migration",
    explanation: "Both rewrite the table while holding an ACCESS EXCLUSIVE lock: nothing can read or write it until the copy is done.",
    fix: "Use pg_repack (or pg_squeeze) outside the migration, which rebuilds the table online.",
};
