//! The typed plan model: what a migration file says, after parsing.
//!
//! Every type here derives `Serialize`: the canonical JSON form of a parsed migration is what
//! its checksum is computed over, so reformatting a TOML file does not change the checksum.

mod backfill;
mod backfill_undo;
mod captured;
mod check;
mod constraint_ops;
mod declared;
mod delete_rows;
mod identity_ops;
mod pg_routines;
mod pg_security;
mod schema_ops;
mod serde_helpers;
mod sql_ops;
mod steps;

pub use backfill::{Backfill, Explode, Join, OnConflict};
pub use backfill_undo::UndoScope;
pub use captured::{ObjectRef, RestoreCaptured};
pub use check::{Check, CheckWhen, CompareOp, Expect, OnFail, Phase};
pub use declared::Declared;
pub use delete_rows::DeleteRows;
pub use identity_ops::ResyncIdentity;
pub use pg_routines::{
    CreateFunction, CreateTrigger, DropFunction, DropTrigger, ForEach, FunctionArg, ToggleTrigger,
    TriggerEvent, TriggerMode, TriggerTiming, UpdatedAtTrigger, Volatility,
};
pub use pg_security::{
    CreatePolicy, DropPolicy, Grant, GrantOn, PolicyCommand, Privilege, Revoke, RowSecurity,
};
pub use schema_ops::{
    AddCheck, AddColumn, AddForeignKey, AddUnique, AlterColumn, CheckConstraint, Column,
    CreateIndex, CreateTable, DropColumn, DropConstraint, DropIndex, DropTable, FkAction,
    ForeignKey, Literal, References, RenameColumn, RenameTable, UniqueConstraint,
    ValidateConstraint,
};
pub(crate) use serde_helpers::first_duplicate;
pub use sql_ops::{DialectSql, SqlDown, SqlStep};
pub use steps::Step;
