//! Which cutover rule each squawk rule reports as, and which squawk rules cutover drops.

use squawk_linter::Rule;

use super::others;
use crate::lint::finding::RuleInfo;
use crate::lint::rules::{destructive, pg_hazards as h, postgres as pg};

/// Every squawk rule cutover runs, with the cutover rule its findings become. squawk rules
/// missing here are not run: the timeout reminders (cutover sets `lock_timeout` and
/// `statement_timeout` itself), `unused-ignore` (squawk's own comments) and the rules squawk
/// itself leaves opt-in. `ban-drop-column` and `ban-drop-table` are not run either: cutover's
/// one notion of a destructive step (`plan/destructive.rs`, shared by the contract gate and
/// `plan/destructive-outside-contract`) reports raw drops itself, and knows rebuilds and tables
/// the same migration created.
static MAPPED: [(Rule, &RuleInfo); 46] = [
    (
        Rule::RequireConcurrentIndexCreation,
        &pg::INDEX_WITHOUT_CONCURRENTLY,
    ),
    (
        Rule::RequireConcurrentIndexDeletion,
        &h::DROP_INDEX_WITHOUT_CONCURRENTLY,
    ),
    (
        Rule::BanConcurrentIndexCreationInTransaction,
        &h::CONCURRENT_INDEX_IN_TRANSACTION,
    ),
    // Only its CREATE INDEX CONCURRENTLY findings are kept (see `mod.rs`).
    (
        Rule::PreferRobustStmts,
        &h::CONCURRENT_INDEX_WITHOUT_IF_NOT_EXISTS,
    ),
    (
        Rule::AddingFieldWithDefault,
        &h::ADD_COLUMN_VOLATILE_DEFAULT,
    ),
    (Rule::AddingRequiredField, &pg::ADD_NOT_NULL_WITHOUT_DEFAULT),
    (Rule::AddingNotNullableField, &pg::SET_NOT_NULL),
    (
        Rule::AddingSerialPrimaryKeyField,
        &h::ADD_SERIAL_PRIMARY_KEY,
    ),
    (
        Rule::AddingForeignKeyConstraint,
        &pg::CONSTRAINT_WITHOUT_NOT_VALID,
    ),
    (
        Rule::ConstraintMissingNotValid,
        &pg::CONSTRAINT_WITHOUT_NOT_VALID,
    ),
    (
        Rule::DisallowedUniqueConstraint,
        &h::UNIQUE_CONSTRAINT_WITHOUT_INDEX,
    ),
    (Rule::ChangingColumnType, &pg::COLUMN_TYPE_CHANGE),
    (Rule::RenamingColumn, &pg::RENAME),
    (Rule::RenamingTable, &pg::RENAME),
    (
        Rule::BanDropDatabase,
        &destructive::DESTRUCTIVE_OUTSIDE_CONTRACT,
    ),
    (Rule::BanTruncateCascade, &pg::DROP_CASCADE),
    (Rule::BanDropNotNull, &h::DROP_NOT_NULL),
    (Rule::PreferBigintOverInt, &h::PREFER_BIGINT),
    (Rule::PreferBigintOverSmallint, &h::PREFER_BIGINT),
    (Rule::PreferIdentity, &h::PREFER_IDENTITY),
    (Rule::PreferTextField, &h::PREFER_TEXT),
    (Rule::BanCharField, &h::PREFER_TEXT),
    (Rule::PreferTimestampTz, &h::PREFER_TIMESTAMPTZ),
    (Rule::IdentifierTooLong, &h::IDENTIFIER_TOO_LONG),
    (Rule::TransactionNesting, &h::TRANSACTION_CONTROL_IN_STEP),
    (
        Rule::BanUncommittedTransaction,
        &h::TRANSACTION_CONTROL_IN_STEP,
    ),
    (Rule::BanCreateDomainWithConstraint, &h::DOMAIN_CONSTRAINT),
    (Rule::BanAlterDomainWithAddConstraint, &h::DOMAIN_CONSTRAINT),
    (
        Rule::RequireConcurrentReindex,
        &h::REINDEX_WITHOUT_CONCURRENTLY,
    ),
    (
        Rule::RequireConcurrentPartitionDetach,
        &h::DETACH_PARTITION_WITHOUT_CONCURRENTLY,
    ),
    (Rule::PreferRepack, &h::TABLE_REWRITE_COMMAND),
    (Rule::BanDropView, &others::BAN_DROP_VIEW),
    (Rule::BanDropFunction, &others::BAN_DROP_FUNCTION),
    (Rule::BanDropType, &others::BAN_DROP_TYPE),
    (Rule::BanDropDefault, &others::BAN_DROP_DEFAULT),
    (Rule::BanDropSchema, &others::BAN_DROP_SCHEMA),
    (Rule::BanDropSequence, &others::BAN_DROP_SEQUENCE),
    (Rule::BanDropDomain, &others::BAN_DROP_DOMAIN),
    (Rule::BanDropConstraint, &others::BAN_DROP_CONSTRAINT),
    (
        Rule::BanDropGeneratedExpression,
        &others::BAN_DROP_GENERATED_EXPRESSION,
    ),
    (Rule::BanDropExtension, &others::BAN_DROP_EXTENSION),
    (Rule::RenamingObject, &others::RENAMING_OBJECT),
    (Rule::BanSetSchema, &others::BAN_SET_SCHEMA),
    (Rule::BanAlterIdentity, &others::BAN_ALTER_IDENTITY),
    (
        Rule::RequireEnumValueOrdering,
        &others::REQUIRE_ENUM_VALUE_ORDERING,
    ),
    (
        Rule::BanDuplicateColumnAssignments,
        &others::BAN_DUPLICATE_COLUMN_ASSIGNMENTS,
    ),
];

/// The squawk rules cutover runs.
pub(super) fn enabled() -> impl Iterator<Item = Rule> {
    MAPPED.iter().map(|(r, _)| *r)
}

/// The cutover rule a squawk finding of `rule` becomes (`None`: not run by cutover).
pub(super) fn target(rule: Rule) -> Option<&'static RuleInfo> {
    MAPPED
        .iter()
        .find(|(r, _)| *r == rule)
        .map(|(_, info)| *info)
}
