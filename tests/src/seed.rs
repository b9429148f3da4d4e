//! Generated test data, written fast: a small deterministic random generator, version-4
//! shaped UUIDs, SQL literals, and bulk inserts (multi-row `INSERT`s in one transaction).

use cutover_core::backend::Backend;

/// A SplitMix64 generator: deterministic, so a failing run can be replayed with its seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of `items` (not empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A random lower-case UUID (version 4 layout), so keys sort in no particular order.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            8 + (b >> 62),
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        )
    }
}

/// A string as an SQL literal (`NULL` for `None`). The text must hold no backslash, whose
/// meaning differs between the databases' literal syntaxes.
pub fn lit(value: Option<&str>) -> String {
    match value {
        None => "NULL".to_string(),
        Some(v) => {
            assert!(!v.contains('\\'), "test data holds no backslash: {v}");
            format!("'{}'", v.replace('\'', "''"))
        }
    }
}

/// Inserts `rows` (each a list of SQL literals, one per column) into `table` with
/// multi-row `INSERT`s of `chunk` rows, all in one transaction.
pub async fn insert_rows(
    b: &mut dyn Backend,
    table: &str,
    columns: &[&str],
    rows: &[Vec<String>],
    chunk: usize,
) {
    let d = b.dialect();
    let cols: Vec<String> = columns.iter().map(|c| d.quote(c)).collect();
    let head = format!(
        "INSERT INTO {} ({}) VALUES ",
        d.quote(table),
        cols.join(", ")
    );
    b.begin().await.expect("begin");
    for part in rows.chunks(chunk.max(1)) {
        let values: Vec<String> = part.iter().map(|r| format!("({})", r.join(", "))).collect();
        let sql = format!("{head}{}", values.join(", "));
        if let Err(e) = b.execute(&sql).await {
            panic!("bulk insert into {table}: {e}");
        }
    }
    b.commit().await.expect("commit");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_have_the_version_4_layout_and_differ() {
        let mut r = Rng::new(7);
        let a = r.uuid();
        let b = r.uuid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!("89ab".contains(&a[19..20]), "{a}");
    }

    #[test]
    fn literals_are_quoted() {
        assert_eq!(lit(None), "NULL");
        assert_eq!(lit(Some("it's")), "'it''s'");
    }
}
