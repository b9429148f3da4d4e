//! Every expression site of a plan is checked against the schema the plan builds: a misspelled
//! column is a load error with file:line, the field and a "did you mean", for each site
//! (backfill set/pending/where/values/undo/undo_where/from.on and the keys of set and values,
//! checks, index `where`, check constraints, defaults, delete_rows `where`, key, explode).
//! The same plans with the column spelled right load.

mod common;
use common::TempPlan;

use cutover_core::plan::Plan;

const BASE: &str = r#"description = "base"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "email", type = "text" },
  { name = "score", type = "integer" },
]

[[steps]]
op = "create_table"
table = "posts"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "user_id", type = "bigint" },
  { name = "title", type = "text" },
  { name = "tags", type = "json" },
]
"#;

/// Loads BASE plus `0002_second.toml` holding `text`; the error, if any.
fn second(text: &str) -> Option<String> {
    let text = format!("description = \"second\"\n\n{text}");
    let plan = TempPlan::new(&[("0001_base.toml", BASE), ("0002_second.toml", &text)]);
    Plan::load(&plan.dir).err().map(|e| e.to_string())
}

/// One site: the migration text with `{c}` where the column goes, the field the error names,
/// and the right spelling.
struct Site {
    text: &'static str,
    field: &'static str,
    good: &'static str,
}

const SITES: &[Site] = &[
    Site {
        text: "[[steps]]\nop = \"backfill\"\ntable = \"users\"\nset.score = \"{c} + 1\"\n",
        field: "field `set.score`",
        good: "score",
    },
    Site {
        text: "[[steps]]\nop = \"backfill\"\ntable = \"users\"\nset.{c} = \"1\"\n",
        field: "field `set",
        good: "score",
    },
    Site {
        text: "[[steps]]\nop = \"backfill\"\ntable = \"users\"\nset.score = \"1\"\npending = \"{c} IS NULL\"\n",
        field: "field `pending`",
        good: "score",
    },
    Site {
        text: "[[steps]]\nop = \"backfill\"\ntable = \"users\"\nset.score = \"1\"\nwhere = \"{c} > 0\"\n",
        field: "field `where`",
        good: "score",
    },
    Site {
        text: "[[steps]]\nop = \"backfill\"\ntable = \"users\"\nset.score = \"1\"\nundo.score = \"{c}\"\n",
        field: "field `undo.score`",
        good: "score",
    },
    Site {
        text: "[[steps]]\nop = \"backfill\"\ntable = \"users\"\nset.score = \"1\"\nundo.score = \"0\"\nundo_where = \"{c} = 1\"\n",
        field: "field `undo_where`",
        good: "score",
    },
    Site {
        text: "[[steps]]\nop = \"backfill\"\ntable = \"posts\"\nset.title = \"users.email\"\nfrom = { table = \"users\", on = \"users.id = posts.{c}\" }\n",
        field: "field `from.on`",
        good: "user_id",
    },
    Site {
        text: "[[steps]]\nop = \"backfill\"\ntable = \"users\"\ninsert_into = \"posts\"\nvalues.id = \"id\"\nvalues.title = \"{c}\"\n",
        field: "field `values.title`",
        good: "email",
    },
    Site {
        text: "[[steps]]\nop = \"backfill\"\ntable = \"users\"\ninsert_into = \"posts\"\nvalues.id = \"id\"\nvalues.{c} = \"email\"\n",
        field: "field `values",
        good: "title",
    },
    Site {
        text: "[[steps]]\nop = \"create_index\"\ntable = \"users\"\ncolumns = [\"email\"]\nwhere = \"{c} IS NOT NULL\"\n",
        field: "field `where`",
        good: "score",
    },
    Site {
        text: "[[steps]]\nop = \"add_check\"\ntable = \"users\"\nname = \"ck\"\nexpr = \"{c} >= 0\"\n",
        field: "field `expr`",
        good: "score",
    },
    Site {
        text: "[[steps]]\nop = \"create_table\"\ntable = \"t2\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }, { name = \"n\", type = \"integer\" }]\nchecks = [{ name = \"ck_n\", expr = \"{c} > 0\" }]\n",
        // The line is the `checks = [..]` line; the field is the check's `expr`.
        field: "field `expr`",
        good: "n",
    },
    Site {
        text: "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"score2\", type = \"integer\", default_expr = \"{c} + 1\" }\n",
        field: "default_expr",
        good: "1",
    },
    Site {
        text: "[[steps]]\nop = \"alter_column\"\ntable = \"users\"\ncolumn = \"score\"\ndefault_expr = \"{c} + 1\"\n",
        field: "field `default_expr`",
        good: "1",
    },
    Site {
        text: "[[steps]]\nop = \"delete_rows\"\ntable = \"users\"\nwhere = \"{c} < 0\"\n",
        field: "field `where`",
        good: "score",
    },
    Site {
        text: "[[steps]]\nop = \"backfill\"\ntable = \"users\"\nkey = [\"{c}\"]\nset.score = \"1\"\n",
        field: "field `key`",
        good: "id",
    },
    Site {
        text: "[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[checks]]\nname = \"c\"\nwhen = \"after\"\ntable = \"users\"\nwhere = \"{c} IS NULL\"\nexpect = 0\n",
        field: "where",
        good: "score",
    },
    Site {
        text: "[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[checks]]\nname = \"c\"\nwhen = \"before\"\nquery = \"SELECT COUNT(*) FROM posts p JOIN users u ON u.id = p.user_id WHERE u.{c} IS NULL\"\nexpect = 0\n",
        field: "query",
        good: "email",
    },
    Site {
        text: "[[steps]]\nop = \"backfill\"\ntable = \"posts\"\ninsert_into = \"users\"\nexplode = { column = \"{c}\", as = \"t\" }\nvalues.id = \"t.position\"\n",
        field: "explode",
        good: "tags",
    },
    Site {
        text: "[[steps]]\nop = \"backfill\"\ntable = \"users\"\nset.score = \"1\"\nundo.{c} = \"0\"\n",
        field: "field `undo",
        good: "score",
    },
    Site {
        text: "[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\ndown = \"SELECT 1\"\n\n[[down]]\nop = \"backfill\"\ntable = \"users\"\nset.score = \"{c} - 1\"\n",
        field: "set.score",
        good: "score",
    },
];

#[test]
fn a_misspelled_column_in_every_expression_site_is_a_load_error() {
    let mut missed = Vec::new();
    for site in SITES {
        let typo = typo(site.good);
        let bad = site.text.replace("{c}", &typo);
        match second(&bad) {
            None => missed.push(format!("not refused: {bad}")),
            Some(err) => {
                let hint = format!("did you mean `{}`?", site.good);
                let located = err.contains("0002_second.toml:") && err.contains(site.field);
                if !located || (site.good != "1" && !err.contains(&hint)) {
                    missed.push(format!(
                        "{bad}\n-> {err} (expected {} and {hint})",
                        site.field
                    ));
                }
            }
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n\n"));
}

/// The right spelling with two letters swapped (`score` -> `socre`); a constant becomes an
/// unknown column.
fn typo(good: &str) -> String {
    if good == "1" {
        return "nope".to_string();
    }
    let mut c: Vec<char> = good.chars().collect();
    if c.len() < 3 {
        return format!("{good}x");
    }
    c.swap(1, 2);
    c.into_iter().collect()
}

#[test]
fn the_right_spelling_loads_at_every_site() {
    for site in SITES {
        let good = site.text.replace("{c}", site.good);
        assert_eq!(second(&good), None, "{good}");
    }
}
