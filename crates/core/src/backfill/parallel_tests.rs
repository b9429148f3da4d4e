//! Unit tests of `parallel.rs`.
use super::*;

fn spec() -> BackfillSpec {
    crate::backfill::spec::test_spec(
        "set.x = \"1\"
",
    )
}

#[test]
fn splits_into_disjoint_ranges_covering_everything() {
    let parts = split(&spec(), Some((1, 1_000_000)), 2);
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].cursor, None);
    assert_eq!(parts[0].range_end, Some(vec!["500001".to_string()]));
    assert_eq!(parts[1].cursor, Some(vec!["500000".to_string()]));
    assert_eq!(parts[1].range_end, None);
    let points = vec![vec!["b".to_string()], vec!["m".to_string()]];
    let parts = split_at(&spec(), points);
    let through = |k: &str| Some(vec![k.to_string(), super::super::split::THROUGH.into()]);
    assert_eq!(parts.len(), 3);
    assert_eq!(
        (parts[0].cursor.clone(), parts[0].range_end.clone()),
        (None, through("b"))
    );
    assert_eq!(parts[1].cursor, Some(vec!["b".to_string()]));
    assert_eq!(parts[1].range_end, through("m"));
    assert_eq!(
        (parts[2].cursor.clone(), parts[2].range_end.clone()),
        (Some(vec!["m".to_string()]), None)
    );
    assert_eq!(
        parts.iter().map(|p| p.part).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert_eq!(
        split_at(&spec(), Vec::new()).len(),
        1,
        "an empty table is one part"
    );
    let single = split(&spec(), Some((5, 5)), 4);
    assert_eq!(single.len(), 4, "tiny ranges still get a part each");
    assert_eq!(split(&spec(), None, 4).len(), 1);
}
