//! Restores and schema-per-tenant targets: a PostgreSQL dump restores into the schema it was
//! taken from, whatever the target URL says. So a backup is restored only into a target
//! confined to the same schema as the backup's manifest records (or, without a schema on
//! either side, into the whole database).

use std::path::Path;

use super::Manifest;
use crate::error::{Error, Result};

/// Refuses restoring `manifest`'s backup (`path`) into a session confined to `target`
/// when the schemas differ, or when the manifest records none (a whole-database backup, or
/// one taken before manifests recorded the schema) and the target has one. A target
/// without a schema restores any backup: a tenant's dump then lands in its own schema.
pub(crate) fn check_schema(path: &Path, manifest: &Manifest, target: Option<&str>) -> Result<()> {
    let Some(target) = target else {
        return Ok(());
    };
    if manifest.schema.as_deref() == Some(target) {
        return Ok(());
    }
    let quoted = crate::url::quote_schema(target);
    let from = match &manifest.schema {
        Some(schema) => format!("schema {}", crate::url::quote_schema(schema)),
        None => "no recorded schema (the whole database, or an older manifest)".to_string(),
    };
    Err(Error::unsupported(
        manifest.dialect,
        format!(
            "restoring {} (taken from {from}) into the schema-per-tenant target in schema {quoted}",
            path.display()
        ),
        format!(
            "a dump restores into the schema it was taken from, whatever the target says, so it would write into another tenant's schema, not {quoted}; restore a backup of this tenant (its manifest says \"schema\": \"{target}\"), or check the dump with `pg_restore --list FILE` and restore it by hand"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::MANIFEST_FORMAT;
    use crate::dialect::Dialect;

    fn manifest(schema: Option<&str>) -> Manifest {
        Manifest {
            format: MANIFEST_FORMAT,
            file: "b.dump".into(),
            dialect: Dialect::Postgres,
            server_version: "15".into(),
            tool: "pg_dump".into(),
            database: "app".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            cutover_version: "0".into(),
            last_migration: None,
            tables: Vec::new(),
            internal_tables: Vec::new(),
            views: Vec::new(),
            size_bytes: 0,
            sha256: String::new(),
            only_tables: None,
            schema: schema.map(str::to_string),
        }
    }

    #[test]
    fn only_the_same_schema_restores_into_a_tenant() {
        let path = Path::new("b.dump");
        assert!(check_schema(path, &manifest(Some("Tenant_A")), Some("Tenant_A")).is_ok());
        assert!(check_schema(path, &manifest(Some("t")), None).is_ok());
        assert!(check_schema(path, &manifest(None), None).is_ok());
        let err = check_schema(path, &manifest(Some("tenant_a")), Some("Tenant_A"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("schema-per-tenant") && err.contains("\"Tenant_A\""),
            "{err}"
        );
        let err = check_schema(path, &manifest(None), Some("t"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no recorded schema"), "{err}");
    }
}
