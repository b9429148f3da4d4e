//! Every rule, in the order docs/lint.md and SARIF list them.

use super::finding::RuleInfo;
use super::rules::{
    data_changes, destructive, insert_key, mysql, mysql_fk_index, mysql_keys, pg_validate,
    plan_wide, postgres, sqlite,
};
use super::suppress;

static RULES: [RuleInfo; 29] = [
    plan_wide::DUPLICATE_MIGRATION,
    plan_wide::CONFLICTING_TABLE,
    destructive::DESTRUCTIVE_OUTSIDE_CONTRACT,
    destructive::CONTRACT_UNPREPARED,
    destructive::IRREVERSIBLE_WITHOUT_DOWN,
    data_changes::BACKFILL_WITHOUT_PENDING,
    insert_key::INSERT_BACKFILL_WITHOUT_KEY,
    data_changes::UNBATCHED_DATA_CHANGE,
    plan_wide::REQUIRES_LATER,
    plan_wide::VERSION_GAP,
    plan_wide::USED_BEFORE_CREATED,
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
