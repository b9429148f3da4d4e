//! Objects of the adopted schema that need an object of a schema the baseline leaves out
//! (fxW H1): a trigger calling a function of another schema, a default, check, index,
//! policy or view using another schema's function, table, sequence or type, a column or a
//! domain of another schema's type. The baseline builds the current schema only, so `up`
//! on an empty database failed with `schema "..." does not exist` after a mere warning
//! that the schema was left out; generating is refused instead, naming both objects, as
//! for a foreign key into another schema ([`crate::fidelity`]). Objects of extensions and
//! of PostgreSQL's own schemas are not counted.

use std::collections::BTreeMap;

use cutover_core::backend::Backend;
use cutover_core::schema::{LiveDetails, catalog};

// The dependent object's description (a view for its rule), the referenced object's
// description, and the referenced object's schema. Function signatures are checked by
// `fidelity` (their types); foreign keys too. A type is counted by its element for an
// array.
const CROSS_SCHEMA: &str = "WITH dep AS ( \
      SELECT d.classid, d.objid, d.objsubid, d.refclassid, d.refobjid, \
        CASE d.classid \
          WHEN 'pg_trigger'::regclass THEN (SELECT c.relnamespace FROM pg_trigger t \
            JOIN pg_class c ON c.oid = t.tgrelid WHERE t.oid = d.objid) \
          WHEN 'pg_attrdef'::regclass THEN (SELECT c.relnamespace FROM pg_attrdef a \
            JOIN pg_class c ON c.oid = a.adrelid WHERE a.oid = d.objid) \
          WHEN 'pg_constraint'::regclass THEN (SELECT con.connamespace FROM pg_constraint con \
            WHERE con.oid = d.objid AND con.contype <> 'f') \
          WHEN 'pg_class'::regclass THEN (SELECT c.relnamespace FROM pg_class c WHERE c.oid = d.objid) \
          WHEN 'pg_rewrite'::regclass THEN (SELECT c.relnamespace FROM pg_rewrite r \
            JOIN pg_class c ON c.oid = r.ev_class WHERE r.oid = d.objid) \
          WHEN 'pg_policy'::regclass THEN (SELECT c.relnamespace FROM pg_policy p \
            JOIN pg_class c ON c.oid = p.polrelid WHERE p.oid = d.objid) \
          WHEN 'pg_type'::regclass THEN (SELECT t.typnamespace FROM pg_type t WHERE t.oid = d.objid) \
          WHEN 'pg_proc'::regclass THEN (SELECT CASE WHEN d.refclassid <> 'pg_type'::regclass \
            THEN p.pronamespace END FROM pg_proc p WHERE p.oid = d.objid) \
        END AS nsp, \
        CASE d.refclassid \
          WHEN 'pg_proc'::regclass THEN d.refobjid \
          WHEN 'pg_class'::regclass THEN d.refobjid \
          ELSE (SELECT CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END \
            FROM pg_type t WHERE t.oid = d.refobjid) END AS target \
      FROM pg_depend d \
      WHERE d.deptype = 'n' \
        AND d.refclassid IN ('pg_proc'::regclass, 'pg_class'::regclass, 'pg_type'::regclass)), \
    ref AS ( \
      SELECT dep.*, CASE dep.refclassid \
          WHEN 'pg_proc'::regclass THEN (SELECT p.pronamespace FROM pg_proc p WHERE p.oid = dep.target) \
          WHEN 'pg_class'::regclass THEN (SELECT c.relnamespace FROM pg_class c WHERE c.oid = dep.target) \
          ELSE (SELECT t.typnamespace FROM pg_type t WHERE t.oid = dep.target) END AS ref_nsp \
      FROM dep WHERE dep.nsp = current_schema()::regnamespace) \
    SELECT DISTINCT \
      CASE WHEN ref.classid = 'pg_rewrite'::regclass THEN pg_describe_object('pg_class'::regclass, \
          (SELECT r.ev_class FROM pg_rewrite r WHERE r.oid = ref.objid), 0) \
        ELSE pg_describe_object(ref.classid, ref.objid, ref.objsubid) END, \
      pg_describe_object(ref.refclassid, ref.target, 0), n.nspname \
    FROM ref JOIN pg_namespace n ON n.oid = ref.ref_nsp \
    WHERE n.nspname <> current_schema() AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
      AND n.nspname NOT LIKE 'pg\\_%' \
      AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = ref.target AND e.deptype = 'e') \
    ORDER BY 1, 2";

/// Adds a refusal to `d` per schema left out that objects of the current schema need,
/// naming each of them and what it uses there.
pub(crate) async fn read(b: &mut dyn Backend, d: &mut LiveDetails) -> cutover_core::Result<()> {
    let mut by_schema: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in catalog(b, CROSS_SCHEMA).await? {
        by_schema
            .entry(r[2].clone())
            .or_default()
            .push(format!("{} uses {}", r[0], r[1]));
    }
    for (schema, uses) in by_schema {
        d.refusals.push(format!(
            "schema {schema} is left out (the baseline builds the current schema only), but {}: `up` on an empty database would fail (schema \"{schema}\" does not exist); remove these references before generating and add them back in a later migration that first creates what they need in schema {schema}",
            uses.join(", ")
        ));
    }
    Ok(())
}
