//! Runbook 003: profiles.social_links (JSON) -> profile_links rows, on 10,000 generated
//! profiles of 3,000 users with 0 to 5 links each.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backfill::{BackfillSpec, dry_run};
use cutover_tests::TestDb;
use cutover_tests::plans::PlanDir;
use cutover_tests::seed::{Rng, insert_rows, lit};
use cutover_tests::snapshot;
use serde_json::{Map, Value};

use super::{assert_halted, backfill_state, columns, down_to, names, up, verify};

const USERS: usize = 3_000;
const PROFILES: usize = 10_000;

const LABELS: &[&str] = &[
    "Website",
    "IMDb Profile",
    "Showreel 🎬",
    "Мой сайт",
    "作品集",
    "Portfolio – 2025",
    "Café Ñandú",
    "Agent",
    "Demo reel (HD)",
];
const TYPES: &[&str] = &[
    "website", "imdb", "showreel", "other", "IMDB", "Website", "vimeo",
];

/// One generated social link: `None` fields are left out of the JSON object.
struct Link {
    label: Option<&'static str>,
    url: String,
    kind: Option<&'static str>,
}

struct Profile {
    id: String,
    user: String,
    /// `None`: social_links is NULL.
    links: Option<Vec<Link>>,
}

/// A profile_links row as compared: profile, position, label, type.
type Placed = (String, i64, String, String);

fn generate(rng: &mut Rng, users: &[String]) -> Vec<Profile> {
    let mut urls_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    (0..PROFILES)
        .map(|p| {
            let user = rng.pick(users).clone();
            let links = match rng.below(100) {
                0..=7 => None,
                8..=15 => Some(Vec::new()),
                _ => {
                    let n = 1 + rng.below(5) as usize;
                    let links = (0..n)
                        .map(|k| {
                            let seen = urls_of.entry(user.clone()).or_default();
                            // 15%: a URL this user already has (another profile, or this one).
                            let url = if !seen.is_empty() && rng.chance(15) {
                                rng.pick(seen).clone()
                            } else {
                                let url = format!(
                                    "https://site{}.example.com/{}/{p}-{k}",
                                    rng.below(50),
                                    &user[..8]
                                );
                                seen.push(url.clone());
                                url
                            };
                            let label = (!rng.chance(10)).then(|| *rng.pick(LABELS));
                            let kind = (!rng.chance(10)).then(|| *rng.pick(TYPES));
                            Link { label, url, kind }
                        })
                        .collect();
                    Some(links)
                }
            };
            Profile {
                id: rng.uuid(),
                user,
                links,
            }
        })
        .collect()
}

fn social_links(p: &Profile) -> Option<String> {
    p.links.as_ref().map(|links| {
        let array: Vec<Value> = links
            .iter()
            .map(|l| {
                let mut o = Map::new();
                if let Some(label) = l.label {
                    o.insert("label".into(), label.into());
                }
                o.insert("url".into(), l.url.clone().into());
                if let Some(kind) = l.kind {
                    o.insert("type".into(), kind.into());
                }
                Value::Object(o)
            })
            .collect();
        Value::Array(array).to_string()
    })
}

/// Per (user, url), every place the runbook's rule may keep: one row per user and URL, taken
/// from one of the links that have it. Computed independently of SQL.
fn expected(profiles: &[Profile]) -> BTreeMap<(String, String), Vec<Placed>> {
    let mut out: BTreeMap<(String, String), Vec<Placed>> = BTreeMap::new();
    for p in profiles {
        for (i, l) in p.links.iter().flatten().enumerate() {
            let kind = l
                .kind
                .map(str::to_ascii_lowercase)
                .filter(|k| ["website", "imdb", "showreel"].contains(&k.as_str()));
            let placed = (
                p.id.clone(),
                i as i64,
                l.label.unwrap_or("Link").to_string(),
                kind.unwrap_or_else(|| "other".into()),
            );
            out.entry((p.user.clone(), l.url.clone()))
                .or_default()
                .push(placed);
        }
    }
    out
}

async fn seed(b: &mut dyn Backend, rng: &mut Rng) -> Vec<Profile> {
    let users: Vec<String> = (0..USERS).map(|_| rng.uuid()).collect();
    let rows: Vec<Vec<String>> = users
        .iter()
        .enumerate()
        .map(|(i, id)| vec![lit(Some(id)), lit(Some(&format!("user{i}@example.com")))])
        .collect();
    insert_rows(b, "users", &["id", "email"], &rows, 500).await;
    let profiles = generate(rng, &users);
    let rows: Vec<Vec<String>> = profiles
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![
                lit(Some(&p.id)),
                lit(Some(&p.user)),
                lit(Some(&format!("Profile {i} · Ærø"))),
                lit(social_links(p).as_deref()),
            ]
        })
        .collect();
    insert_rows(
        b,
        "profiles",
        &["id", "user_id", "display_name", "social_links"],
        &rows,
        500,
    )
    .await;
    profiles
}

/// Every profile_links row checked against [`expected`]: one row per user and URL, placed
/// as one of the links that carry it.
async fn assert_rows(b: &mut dyn Backend, profiles: &[Profile]) {
    let want = expected(profiles);
    let rows = b
        .query("SELECT id, user_id, url, profile_id, position, label, type, created_at FROM profile_links")
        .await
        .expect("links");
    let mut ids = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for r in &rows.rows {
        let v = |i: usize| {
            r[i].clone()
                .unwrap_or_else(|| panic!("NULL in column {i}: {r:?}"))
        };
        assert!(ids.insert(v(0)), "ids are unique: {r:?}");
        assert_eq!(v(0).len(), 36, "a generated uuid: {r:?}");
        let key = (v(1), v(2));
        let place: Placed = (v(3), v(4).parse().expect("position"), v(5), v(6));
        let Some(candidates) = want.get(&key) else {
            panic!("a row no social link asked for: {r:?}");
        };
        assert!(
            candidates.contains(&place),
            "{key:?} placed at {place:?}, expected one of {candidates:?}"
        );
        assert!(seen.insert(key.clone()), "{key:?} twice");
        let _ = v(7);
    }
    assert_eq!(
        seen.len(),
        want.len(),
        "every (user, url) of the social links has its row"
    );
}

fn links_total(profiles: &[Profile]) -> usize {
    profiles
        .iter()
        .map(|p| p.links.as_ref().map_or(0, Vec::len))
        .sum()
}

pub(super) async fn scenario(db: &TestDb, backups: &Path) {
    let dir = PlanDir::example("profile-links");
    let plan = dir.load();
    let mut conn = connect(db.url()).await.expect("connect");
    let b = conn.as_mut();
    let mut rng = Rng::new(0x003_11CC);

    up(b, &plan, backups, Some("0001")).await.expect("up 0001");
    let profiles = seed(b, &mut rng).await;
    let want = expected(&profiles);
    assert!(
        links_total(&profiles) >= 20_000,
        "{} links",
        links_total(&profiles)
    );
    let across = want
        .values()
        .filter(|c| c.iter().any(|p| p.0 != c[0].0))
        .count();
    let within = want
        .values()
        .filter(|c| c.len() > 1 && c.iter().all(|p| p.0 == c[0].0))
        .count();
    assert!(
        across > 100 && within > 10,
        "duplicate URLs of a user across profiles ({across}) and within one ({within})"
    );
    let expand = up(b, &plan, backups, Some("0004")).await.expect("expand");
    assert_eq!(expand.migrations.len(), 3);
    let before = snapshot::rows(b, "profiles").await;

    // Preflight: a social_links object (not an array) stops the run before anything is written.
    let victim = profiles
        .iter()
        .find(|p| p.links.is_some())
        .expect("a profile with links");
    b.execute(&format!("UPDATE profiles SET social_links = '{{\"url\": \"https://x.example.com\"}}' WHERE id = '{}'", victim.id))
        .await
        .expect("a bad row");
    assert_halted(
        up(b, &plan, backups, Some("0005")).await,
        "social_links is a JSON array wherever it is set",
    );
    b.execute(&format!(
        "UPDATE profiles SET social_links = {} WHERE id = '{}'",
        lit(social_links(victim).as_deref()),
        victim.id
    ))
    .await
    .expect("fix it");
    assert_eq!(
        snapshot::count(b, "SELECT COUNT(*) FROM profile_links").await,
        0,
        "the halted run wrote nothing"
    );

    // Dry run: every link is pending, nothing is written.
    let spec = BackfillSpec::find(
        &plan,
        "profile_links",
        &cutover_core::backfill::BackfillScope::default_history(),
    )
    .expect("spec");
    let preview = dry_run(b, &spec, 3).await.expect("dry run");
    assert_eq!(preview.pending as usize, links_total(&profiles));
    assert_eq!(preview.samples.len(), 3);
    assert_eq!(
        snapshot::count(b, "SELECT COUNT(*) FROM profile_links").await,
        0,
        "the dry run wrote nothing"
    );
    assert_eq!(snapshot::rows(b, "profiles").await, before);

    // The backfill, its verification, and every row.
    up(b, &plan, backups, Some("0005")).await.expect("backfill");
    let (state, batches) = backfill_state(b, "profile_links").await;
    assert_eq!(state, "complete", "verified");
    assert!(batches > 3, "run in batches, not one statement: {batches}");
    assert_eq!(verify(b, &plan, "0005").await, 3);
    assert_rows(b, &profiles).await;

    // Rollback of phase 2 deletes the migrated rows; a link added since in the new UI stays.
    let added = format!(
        "INSERT INTO profile_links (id, user_id, profile_id, label, url, type, position) VALUES \
         ('00000000-0000-4000-8000-00000000000a', '{}', '{}', 'Added later', 'https://new.example.com/me', 'website', 9)",
        victim.user, victim.id
    );
    b.execute(&added).await.expect("a link added in the new UI");
    down_to(b, &plan, backups, "0004").await;
    let left = b
        .query("SELECT id FROM profile_links")
        .await
        .expect("links");
    assert_eq!(
        left.rows,
        vec![vec![Some(
            "00000000-0000-4000-8000-00000000000a".to_string()
        )]]
    );
    assert_eq!(
        snapshot::rows(b, "profiles").await,
        before,
        "social_links untouched"
    );
    b.execute("DELETE FROM profile_links").await.expect("clean");

    // Up again, then the contract.
    up(b, &plan, backups, Some("0005"))
        .await
        .expect("backfill again");
    assert_rows(b, &profiles).await;
    let contract = up(b, &plan, backups, None).await.expect("contract");
    assert!(
        contract.backup.is_some_and(|p| Path::new(&p).exists()),
        "the contract took a backup"
    );
    assert_eq!(
        columns(b, "users").await,
        names(&["id", "email", "created_at", "theme"])
    );
    assert_eq!(
        columns(b, "profiles").await,
        names(&["id", "user_id", "display_name", "created_at", "title"])
    );
    assert_eq!(
        columns(b, "profile_links").await,
        names(&[
            "id",
            "user_id",
            "profile_id",
            "label",
            "url",
            "type",
            "position",
            "created_at",
            "updated_at"
        ])
    );
    assert_eq!(
        snapshot::count(b, "SELECT COUNT(*) FROM profile_links").await as usize,
        want.len()
    );
    // The rules hold in the schema: one URL per user, known link types only.
    let (user, url) = want.keys().next().expect("a link").clone();
    let dup = format!(
        "INSERT INTO profile_links (id, user_id, profile_id, label, url, type, position) \
         SELECT '00000000-0000-4000-8000-00000000000b', user_id, id, 'dup', '{url}', 'other', 0 FROM profiles WHERE user_id = '{user}' LIMIT 1"
    );
    assert!(
        b.execute(&dup).await.is_err(),
        "a second row for one user and URL is refused"
    );
    let blog = format!(
        "INSERT INTO profile_links (id, user_id, profile_id, label, url, type, position) \
         SELECT '00000000-0000-4000-8000-00000000000c', user_id, id, 'blog', 'https://blog.example.com', 'blog', 0 FROM profiles WHERE user_id = '{user}' LIMIT 1"
    );
    assert!(
        b.execute(&blog).await.is_err(),
        "an unknown link type is refused"
    );
}
