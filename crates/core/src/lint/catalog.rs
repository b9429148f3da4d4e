//! Every rule, in the order docs/lint.md and SARIF list them.

use super::finding::RuleInfo;
use super::rules::{
    data_changes, destructive, dialect_coverage, insert_key, mysql, mysql_fk_index, mysql_keys,
    pg_hazards, pg_routines, pg_security, pg_validate, plan_wide, postgres, sqlite, sync_hazards,
    undo_log,
};
use super::squawk::others;
use super::suppress;

static RULES: [RuleInfo; 69] = [
    plan_wide::DUPLICATE_MIGRATION,
    plan_wide::CONFLICTING_TABLE,
    destructive::DESTRUCTIVE_OUTSIDE_CONTRACT,
    destructive::CONTRACT_UNPREPARED,
    destructive::IRREVERSIBLE_WITHOUT_DOWN,
    data_changes::BACKFILL_WITHOUT_PENDING,
    insert_key::INSERT_BACKFILL_WITHOUT_KEY,
    sync_hazards::SYNC_TRANSFORM_CAN_FAIL,
    sync_hazards::SYNC_TRIGGER_DEFINER,
    undo_log::BACKFILL_WITHOUT_UNDO_LOG,
    data_changes::UNBATCHED_DATA_CHANGE,
    plan_wide::REQUIRES_LATER,
    plan_wide::VERSION_GAP,
    plan_wide::USED_BEFORE_CREATED,
    dialect_coverage::NO_SQL_FOR_DIALECT,
    suppress::SUPPRESSION_WITHOUT_REASON,
    suppress::UNKNOWN_SUPPRESSION,
    suppress::UNUSED_SUPPRESSION,
    postgres::INDEX_WITHOUT_CONCURRENTLY,
    postgres::ADD_NOT_NULL_WITHOUT_DEFAULT,
    postgres::COLUMN_TYPE_CHANGE,
    postgres::CONSTRAINT_WITHOUT_NOT_VALID,
    postgres::SET_NOT_NULL,
    postgres::RENAME,
    postgres::DROP_CASCADE,
    pg_validate::VALIDATE_IN_SAME_MIGRATION,
    pg_hazards::DROP_INDEX_WITHOUT_CONCURRENTLY,
    pg_hazards::CONCURRENT_INDEX_IN_TRANSACTION,
    pg_hazards::CONCURRENT_INDEX_WITHOUT_IF_NOT_EXISTS,
    pg_hazards::ADD_COLUMN_VOLATILE_DEFAULT,
    pg_hazards::ADD_SERIAL_PRIMARY_KEY,
    pg_hazards::UNIQUE_CONSTRAINT_WITHOUT_INDEX,
    pg_hazards::DROP_NOT_NULL,
    pg_hazards::PREFER_BIGINT,
    pg_hazards::PREFER_IDENTITY,
    pg_hazards::PREFER_TEXT,
    pg_hazards::PREFER_TIMESTAMPTZ,
    pg_hazards::IDENTIFIER_TOO_LONG,
    pg_hazards::TRANSACTION_CONTROL_IN_STEP,
    pg_hazards::DOMAIN_CONSTRAINT,
    pg_hazards::REINDEX_WITHOUT_CONCURRENTLY,
    pg_hazards::DETACH_PARTITION_WITHOUT_CONCURRENTLY,
    pg_hazards::TABLE_REWRITE_COMMAND,
    pg_routines::SECURITY_DEFINER_WITHOUT_SEARCH_PATH,
    pg_security::POLICY_WITHOUT_RLS,
    pg_security::GRANT_WITHOUT_RLS,
    pg_security::PG_TEMP_NOT_LAST,
    others::BAN_DROP_VIEW,
    others::BAN_DROP_FUNCTION,
    others::BAN_DROP_TYPE,
    others::BAN_DROP_DEFAULT,
    others::BAN_DROP_SCHEMA,
    others::BAN_DROP_SEQUENCE,
    others::BAN_DROP_DOMAIN,
    others::BAN_DROP_CONSTRAINT,
    others::BAN_DROP_GENERATED_EXPRESSION,
    others::BAN_DROP_EXTENSION,
    others::RENAMING_OBJECT,
    others::BAN_SET_SCHEMA,
    others::BAN_ALTER_IDENTITY,
    others::REQUIRE_ENUM_VALUE_ORDERING,
    others::BAN_DUPLICATE_COLUMN_ASSIGNMENTS,
    mysql::TABLE_COPYING_ALTER,
    mysql::UNIQUE_INDEX_ON_EXISTING_DATA,
    mysql_keys::INDEX_KEY_TOO_LONG,
    mysql_fk_index::DROP_INDEX_NEEDED_BY_FOREIGN_KEY,
    sqlite::TABLE_REBUILD,
    sqlite::ADD_NOT_NULL_WITHOUT_DEFAULT,
    sqlite::FOREIGN_KEY_CHANGE,
];

/// Every lint rule: id, severity, dialect, what it catches, why and the fix.
pub fn rules() -> &'static [RuleInfo] {
    &RULES
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}
