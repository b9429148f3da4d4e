//! A sea-query `CREATE TABLE` (what sea-orm derives from an entity) as an [`EntityTable`]:
//! cutover's table shape, types mapped to portable names.

use cutover_core::Dialect;
use cutover_core::plan::FkAction;
use cutover_core::schema::{ForeignKeyShape, TableShape, action_name};
use cutover_core::types::ColumnType as Portable;
use sea_orm::sea_query::{
    ColumnType, ForeignKeyAction, StringLen, TableCreateStatement, TableName, TableRef,
};

/// One entity's table: its name, its shape, and the columns whose type is a length-less
/// string (which match `text` and any `varchar(n)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityTable {
    /// The table name.
    pub name: String,
    /// Columns, keys and foreign keys, types as portable names (`native:<type>` when the
    /// type has no portable equivalent).
    pub shape: TableShape,
    /// Columns declared as a string without a length.
    pub any_string: Vec<String>,
    /// Auto-increment columns (sea-orm's default for a single integer primary key): sea-orm
    /// leaves them out of an insert with `NotSet`, so the database must generate them.
    pub identity: Vec<String>,
    /// Columns of type `Uuid`: sqlx binds a `uuid::Uuid` as 16 bytes on MySQL and SQLite.
    pub uuid: Vec<String>,
    /// Columns of type `Decimal` or `Money`: the Rust field cannot be `rust_decimal` or
    /// `bigdecimal` with this crate (those sea-orm features break its build).
    pub decimal: Vec<String>,
    /// Columns of a named database type (`ColumnType::Custom`), with that name: on
    /// PostgreSQL, a `DeriveActiveEnum` with `db_type = "Enum"` names its enum type.
    pub custom: Vec<(String, String)>,
}

/// The shape of `table` on `dialect`, normalised like the plan's side.
pub fn entity_table(table: &TableCreateStatement, dialect: Dialect) -> EntityTable {
    let sql = dialect.sql();
    let name = table.get_table_name().map(table_name).unwrap_or_default();
    let mut shape = TableShape::default();
    let mut any_string = Vec::new();
    let mut identity_columns = Vec::new();
    let mut uuid = Vec::new();
    let mut decimal = Vec::new();
    let mut custom = Vec::new();
    for column in table.get_columns() {
        let column_name = column.get_column_name();
        let spec = column.get_column_spec();
        if spec.primary_key {
            shape.primary_key.push(column_name.clone());
        }
        let identity = spec.auto_increment;
        if identity {
            identity_columns.push(column_name.clone());
        }
        let ty = match column.get_column_type() {
            Some(ColumnType::String(StringLen::None)) => {
                any_string.push(column_name.clone());
                "text".to_string()
            }
            Some(ColumnType::Custom(iden)) => {
                let named = iden.to_string();
                match custom_enum(&named) {
                    Some(p) => p.to_string(),
                    None => {
                        custom.push((column_name.clone(), named.clone()));
                        format!("native:{named}")
                    }
                }
            }
            Some(ty) => match portable(ty) {
                Some(p) if identity => sql.identity_type(p).to_string(),
                Some(p @ Portable::Enum(_)) => p.to_string(),
                Some(p) => {
                    let native = sql.native_type(p);
                    sql.portable_type(&native)
                        .map_or_else(|| format!("native:{native}"), |p| p.to_string())
                }
                None => format!("native:{ty:?}"),
            },
            None => "native:unknown".to_string(),
        };
        match column.get_column_type() {
            Some(ColumnType::Uuid) => uuid.push(column_name.clone()),
            Some(ColumnType::Decimal(_) | ColumnType::Money(_)) => {
                decimal.push(column_name.clone())
            }
            _ => {}
        }
        shape.columns.push(cutover_core::schema::ColumnShape {
            name: column_name.clone(),
            ty,
            nullable: spec.nullable != Some(false) && !spec.primary_key && !identity,
            has_default: spec.default.is_some() || identity,
        });
        if spec.unique {
            shape.unique.insert(vec![column_name]);
        }
    }
    for index in table.get_indexes() {
        let columns = index.get_index_spec().get_column_names();
        if index.is_primary_key() {
            shape.primary_key = columns;
        } else if index.is_unique_key() {
            shape.unique.insert(columns);
        }
    }
    // A primary key column is not nullable, whichever way it was declared.
    for column in &mut shape.columns {
        if shape.primary_key.contains(&column.name) {
            column.nullable = false;
        }
    }
    for fk in table.get_foreign_key_create_stmts() {
        let fk = fk.get_foreign_key();
        shape.foreign_keys.insert(ForeignKeyShape {
            columns: fk.get_columns(),
            ref_table: fk.get_ref_table().map(table_name).unwrap_or_default(),
            ref_columns: fk.get_ref_columns(),
            on_delete: sql.normalise_fk_action(&action_name(fk.get_on_delete().map(action))),
            on_update: sql.normalise_fk_action(&action_name(fk.get_on_update().map(action))),
        });
    }
    EntityTable {
        name,
        shape,
        any_string,
        identity: identity_columns,
        uuid,
        decimal,
        custom,
    }
}

/// A MySQL enum as sea-orm writes it for a `DeriveActiveEnum` (`ENUM('admin', 'member')`),
/// as the portable `enum(...)`.
fn custom_enum(named: &str) -> Option<Portable> {
    let rest = named.trim();
    let head = rest.get(..5)?;
    if !head.eq_ignore_ascii_case("enum(") {
        return None;
    }
    format!("enum({}", &rest[5..]).parse().ok()
}

fn table_name(table: &TableRef) -> String {
    match table {
        TableRef::Table(TableName(_, name), _) => name.to_string(),
        other => other.sea_orm_table().to_string(),
    }
}

fn action(a: ForeignKeyAction) -> FkAction {
    match a {
        ForeignKeyAction::Cascade => FkAction::Cascade,
        ForeignKeyAction::SetNull => FkAction::SetNull,
        ForeignKeyAction::SetDefault => FkAction::SetDefault,
        ForeignKeyAction::Restrict => FkAction::Restrict,
        _ => FkAction::NoAction,
    }
}

/// The portable type of a sea-query column type, where cutover has one.
fn portable(ty: &ColumnType) -> Option<Portable> {
    Some(match ty {
        ColumnType::String(StringLen::N(n)) => Portable::Varchar(*n),
        ColumnType::String(StringLen::Max) | ColumnType::Text => Portable::Text,
        ColumnType::Integer => Portable::Integer,
        ColumnType::BigInteger => Portable::BigInt,
        ColumnType::Boolean => Portable::Boolean,
        ColumnType::DateTime | ColumnType::Timestamp => Portable::Timestamp,
        ColumnType::TimestampWithTimeZone => Portable::TimestampTz,
        ColumnType::Date => Portable::Date,
        ColumnType::Uuid => Portable::Uuid,
        ColumnType::Json | ColumnType::JsonBinary => Portable::Json,
        ColumnType::Decimal(Some((p, s))) => Portable::Decimal(*p, *s),
        ColumnType::Float => Portable::Real,
        ColumnType::Double => Portable::Double,
        ColumnType::Blob | ColumnType::VarBinary(_) | ColumnType::Binary(_) => Portable::Bytes,
        ColumnType::Enum { variants, .. } => {
            let values: Vec<String> = variants.iter().map(|v| v.to_string()).collect();
            return format!("enum({})", values.join(", ")).parse().ok();
        }
        ColumnType::Array(element) => {
            // A `Vec<String>` field: `String(StringLen::None)` elements, a `text[]`.
            let element = match element.as_ref() {
                ColumnType::String(StringLen::None) => Portable::Text,
                other => portable(other)?,
            };
            return format!("{element}[]").parse().ok();
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_types_to_portable_names() {
        assert_eq!(portable(&ColumnType::BigInteger), Some(Portable::BigInt));
        assert_eq!(
            portable(&ColumnType::String(StringLen::N(40))),
            Some(Portable::Varchar(40))
        );
        assert_eq!(portable(&ColumnType::SmallInteger), None);
        assert_eq!(
            portable(&ColumnType::Array(sea_orm::sea_query::RcOrArc::new(
                ColumnType::String(StringLen::None)
            )))
            .map(|p| p.to_string()),
            Some("text[]".to_string())
        );
        assert_eq!(
            custom_enum("ENUM('admin', 'member')").map(|p| p.to_string()),
            Some("enum('admin', 'member')".to_string())
        );
        assert_eq!(custom_enum("user_kind"), None);
    }
}
