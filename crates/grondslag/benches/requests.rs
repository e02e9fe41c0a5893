//! Benchmark of the data-subject request queue (issue 6; docs/benchmarks.md): "10,000 open
//! requests list and sort in the UI in under 100 ms". 10,000 open requests and 20,000 closed
//! ones are loaded through the store's API (`Store::create_request`, `act_on_request`), the
//! real `grondslag serve` serves them, and the queue is read over HTTP as the FG office
//! reads it: the first page, a deep page, a filtered page and the JSON API.
//!
//! Run it with the release binary built first:
//!
//! ```text
//! cargo build --release -p grondslag
//! GRONDSLAG_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo bench -p grondslag --bench requests
//! ```
//!
//! Without `GRONDSLAG_BENCH_POSTGRES_URL` only SQLite is measured. On PostgreSQL the bench
//! creates, and afterwards drops, its own database `grondslag_bench_requests` on that server.
//!
//! Other settings (environment):
//! - `GRONDSLAG_BENCH_OPEN`, `GRONDSLAG_BENCH_CLOSED`: requests to load (10000 and 20000);
//! - `GRONDSLAG_BENCH_REQUESTS`: HTTP requests per query after the warm-up (default 300);
//! - `GRONDSLAG_BENCH_BACKENDS`: `sqlite`, `postgres` or `sqlite,postgres` (default: both
//!   when a PostgreSQL URL is given);
//! - `GRONDSLAG_BENCH_PG_ANALYZE`: `auto` (default: ANALYZE after the load when autovacuum
//!   is off on the server, as autovacuum would do it otherwise), `1`, `0`, or `vacuum`
//!   (VACUUM ANALYZE: what autovacuum does after such a load, which also sets the
//!   visibility map that index-only scans need);
//! - `GRONDSLAG_BENCH_KEEP=1`: keep the databases for `EXPLAIN` and the like;
//! - `GRONDSLAG_BENCH_BIN`: the `grondslag` binary (default `target/release/grondslag`).
//!
//! The bench only talks to 127.0.0.1. Under `cargo test --benches` (no `--bench` argument)
//! it loads 100 generated requests into a temporary SQLite store and checks the queue.

use anyhow::{bail, ensure, Context, Result};
use chrono::{NaiveDate, TimeDelta, Utc};
use grondslag_domain::access::{Grant, Role};
use grondslag_domain::deadline::DeadlineStatus;
use grondslag_domain::requests::{
    Action, Channel, ExtensionReason, RefusalGround, RequestInput, Right, VerificationMethod,
};
use grondslag_domain::vocab::Term;
use grondslag_store::requests::RequestFilter;
use grondslag_store::Store;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;
use support::{binary, env_usize, mb, pg_admin, proc_status_kb, verdict, with_database, Server};

const PASSWORD: &str = "bench-password-2026";
/// The FG, who reads every request; the bench logs in as this account.
const USERNAME: &str = "bench";
/// Accounts of the FG office that handle requests (no e-mail address, so the server's
/// hourly reminders find nothing to send while the bench runs).
const HANDLERS: &[&str] = &["fg-anouk", "fg-joost", "fg-sanne", "fg-wouter"];
const ACTOR: &str = "user:bench";
const PG_DATABASE: &str = "grondslag_bench_requests";
const P95_TARGET_MS: f64 = 100.0;
const WARM_UP_REQUESTS: usize = 20;
/// The UI's page size (`grondslag-web/src/html/requests.rs`).
const PER_PAGE: usize = 50;

// ---------------------------------------------------------------------------------------
// A small deterministic generator (as in the register bench): no new dependency, the same
// requests on every run, relative to the day the bench runs.

struct Lcg(u64);

impl Lcg {
    fn new(seed: u64) -> Self {
        Lcg(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    fn draw(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.draw() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.draw() % 100 < percent
    }

    /// One of `items` with the given weights.
    fn weighted<T: Copy>(&mut self, items: &[(T, u64)]) -> T {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut r = self.draw() % total;
        for (t, w) in items {
            if r < *w {
                return *t;
            }
            r -= w;
        }
        items[0].0
    }
}

const FIRST_NAMES: &[&str] = &[
    "Anouk", "Bram", "Daan", "Emma", "Fleur", "Gijs", "Hanna", "Ilse", "Joost", "Kim", "Lotte",
    "Maarten", "Noor", "Pieter", "Roos", "Sanne", "Thijs", "Vera", "Wouter", "Yara", "Zoë",
    "Bülent", "Fatima", "Mohamed", "Ngozi", "Wei", "Priya", "Lukas", "Chiara", "Mateusz", "Søren",
    "Inés",
];
const LAST_NAMES: &[&str] = &[
    "de Vries",
    "Jansen",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Dijk",
    "Dekker",
    "Yılmaz",
    "El Amrani",
    "Okafor",
    "Chen",
    "Sharma",
    "Müller",
    "Rossi",
    "Kowalski",
    "Nielsen",
    "García",
];
const DESCRIPTIONS: &[&str] = &[
    "Ik wil weten welke gegevens de universiteit over mij heeft.",
    "Graag een kopie van mijn tentamenresultaten en de bijbehorende correspondentie.",
    "Verwijder mijn gegevens uit de alumnidatabase.",
    "Mijn adres in het studentensysteem klopt niet meer.",
    "Ik maak bezwaar tegen het gebruik van mijn foto op de website.",
    "Please send me all personal data you hold about me as a student.",
    "I withdraw my consent for the newsletter and the research panel.",
    "Welke camerabeelden van mij zijn er bewaard na het incident in de bibliotheek?",
    "Ik wil mijn gegevens meenemen naar een andere instelling.",
    "Waarom is mijn aanvraag automatisch afgewezen?",
];

/// (right, weight): access and erasure are the common ones.
const RIGHTS: &[(Right, u64)] = &[
    (Right::Access, 40),
    (Right::Erasure, 20),
    (Right::Rectification, 10),
    (Right::Object, 8),
    (Right::Portability, 5),
    (Right::WithdrawConsent, 5),
    (Right::Restriction, 4),
    (Right::Information, 3),
    (Right::Opposition, 3),
    (Right::AutomatedDecisions, 2),
];

/// One request to load: what comes in and the steps taken afterwards.
struct Spec {
    input: RequestInput,
    actions: Vec<Action>,
}

fn intake(rng: &mut Lcg, received_on: NaiveDate) -> RequestInput {
    let first = rng.pick(FIRST_NAMES);
    let last = rng.pick(LAST_NAMES);
    let mut rights = vec![rng.weighted(RIGHTS)];
    if rng.chance(15) {
        let second = rng.weighted(RIGHTS);
        if !rights.contains(&second) {
            rights.push(second);
        }
    }
    let channel = rng.weighted(&[
        (Channel::Email, 50),
        (Channel::Api, 20),
        (Channel::Letter, 15),
        (Channel::Phone, 10),
        (Channel::InPerson, 5),
    ]);
    let mail = format!(
        "{}.{}{}@example.nl",
        first.to_lowercase(),
        last.to_lowercase().replace(' ', ""),
        rng.below(100)
    );
    let letter_only = channel == Channel::Letter && rng.chance(30);
    RequestInput {
        rights,
        name: format!("{first} {last}"),
        email: (!letter_only).then_some(mail),
        phone: (channel == Channel::Phone).then(|| format!("06{:08}", rng.below(100_000_000))),
        address: (channel == Channel::Letter)
            .then(|| format!("Heyendaalseweg {}, 6525 AJ Nijmegen", 1 + rng.below(300))),
        university_number: rng
            .chance(50)
            .then(|| format!("s{:07}", rng.below(10_000_000))),
        description: rng.pick(DESCRIPTIONS).to_string(),
        channel,
        received_on,
    }
}

fn verify(rng: &mut Lcg) -> Action {
    Action::VerifyIdentity {
        method: rng.pick(&[
            VerificationMethod::UniversityAccount,
            VerificationMethod::KnownContactDetails,
            VerificationMethod::IdentityDocument,
        ]),
        note: String::new(),
    }
}

/// An open request: most received in the last three weeks, some whose month ends within the
/// week (at risk), some past it (overdue, or extended to three months in time).
fn open_request(rng: &mut Lcg, today: NaiveDate) -> Spec {
    #[derive(Clone, Copy)]
    enum Band {
        Fresh,
        AtRisk,
        Late,
    }
    let age = match rng.weighted(&[(Band::Fresh, 75), (Band::AtRisk, 15), (Band::Late, 10)]) {
        Band::Fresh => rng.below(24),
        Band::AtRisk => 24 + rng.below(8),
        Band::Late => 33 + rng.below(60),
    };
    let received_on = today - TimeDelta::days(age as i64);
    let input = intake(rng, received_on);
    let mut actions = Vec::new();
    if age >= 33 && rng.chance(35) {
        if rng.chance(50) {
            actions.push(verify(rng));
        }
        actions.push(Action::Extend {
            reason: ExtensionReason::Complexity,
            explanation: "Uw gegevens staan in meerdere systemen; wij hebben meer tijd nodig."
                .into(),
            notice_sent_on: received_on + TimeDelta::days(3 + rng.below(20) as i64),
        });
    } else {
        match rng.weighted(&[(0, 40), (1, 30), (2, 30)]) {
            0 => {}
            1 => actions.push(verify(rng)),
            _ => {
                actions.push(verify(rng));
                actions.push(Action::Start {});
            }
        }
    }
    if !actions.is_empty() && rng.chance(60) {
        actions.push(Action::Assign {
            handler: Some(rng.pick(HANDLERS).to_string()),
        });
    }
    Spec { input, actions }
}

/// A closed request from the last two years: completed, refused or withdrawn.
fn closed_request(rng: &mut Lcg, today: NaiveDate) -> Spec {
    let received_on = today - TimeDelta::days(35 + rng.below(700) as i64);
    let input = intake(rng, received_on);
    let actions = match rng.weighted(&[(0, 60), (1, 25), (2, 15)]) {
        0 => vec![
            verify(rng),
            Action::Complete {
                summary: "Overzicht van de gegevens per systeem verstuurd.".into(),
            },
        ],
        1 => vec![Action::Refuse {
            grounds: vec![rng.pick(&[
                RefusalGround::IdentityNotEstablished,
                RefusalGround::ManifestlyUnfounded,
                RefusalGround::LegalRetentionDuty,
            ])],
            reasons: "Zie de brief aan de verzoeker.".into(),
        }],
        _ => vec![Action::Withdraw {
            note: "Verzoeker trok het verzoek per e-mail in.".into(),
        }],
    };
    Spec { input, actions }
}

/// `open` open and `closed` closed requests, in the order they were received.
fn generate(today: NaiveDate, open: usize, closed: usize) -> Vec<Spec> {
    let mut rng = Lcg::new(6);
    let mut specs: Vec<Spec> = (0..open).map(|_| open_request(&mut rng, today)).collect();
    specs.extend((0..closed).map(|_| closed_request(&mut rng, today)));
    specs.sort_by_key(|s| s.input.received_on);
    specs
}

// ---------------------------------------------------------------------------------------
// Loading through the store, one request and one step at a time, as the office works.

#[derive(Default)]
struct Loaded {
    elapsed: Duration,
    /// Writes: one per request and one per step.
    writes: usize,
    /// Open requests by deadline status on the day of the run (`deadline_open`, ...), and
    /// `closed`.
    by_status: BTreeMap<&'static str, usize>,
    /// Open requests that exercise the right to erasure.
    open_erasure: usize,
}

async fn load(store: &Store, specs: &[Spec], today: NaiveDate) -> Result<Loaded> {
    let t = Instant::now();
    let mut out = Loaded::default();
    for (i, spec) in specs.iter().enumerate() {
        let mut r = store
            .create_request(ACTOR, &spec.input)
            .await
            .with_context(|| format!("creating request {i} ({})", spec.input.received_on))?;
        out.writes += 1;
        for a in &spec.actions {
            r = store
                .act_on_request(ACTOR, &r.id, None, a)
                .await
                .with_context(|| format!("{} on {}", a.name(), r.reference))?;
            out.writes += 1;
        }
        let status = match r.deadline_status(today) {
            Some(s) => {
                if r.input.rights.contains(&Right::Erasure) {
                    out.open_erasure += 1;
                }
                s.machine_name()
            }
            None => "closed",
        };
        *out.by_status.entry(status).or_default() += 1;
        if (i + 1) % 5000 == 0 {
            eprintln!(
                "  {} of {} requests ({:.0} s)",
                i + 1,
                specs.len(),
                t.elapsed().as_secs_f64()
            );
        }
    }
    out.elapsed = t.elapsed();
    Ok(out)
}

impl Loaded {
    fn open(&self) -> usize {
        self.by_status
            .iter()
            .filter(|(k, _)| **k != "closed")
            .map(|(_, n)| n)
            .sum()
    }

    fn status(&self, s: DeadlineStatus) -> usize {
        self.by_status.get(s.machine_name()).copied().unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------------------
// Measuring over HTTP.

#[derive(Clone, Copy)]
struct Stats {
    n: usize,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
}

/// Nearest-rank percentiles, in milliseconds.
fn stats(samples: &[Duration]) -> Stats {
    let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let rank = ((q * ms.len() as f64).ceil() as usize).clamp(1, ms.len());
        ms[rank - 1]
    };
    Stats {
        n: ms.len(),
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
        max: *ms.last().unwrap_or(&0.0),
    }
}

/// One request; the time runs from sending to the last byte of the body.
async fn timed_get(client: &reqwest::Client, url: &str) -> Result<(Duration, String)> {
    let t = Instant::now();
    let res = client.get(url).send().await?;
    let status = res.status();
    let body = res.text().await?;
    let elapsed = t.elapsed();
    ensure!(
        status == 200,
        "GET {url} answered {status}: {}",
        &body[..body.len().min(500)]
    );
    Ok((elapsed, body))
}

/// A query the bench measures: a label, the path with its query string, and whether the
/// UI target applies.
struct Query {
    label: String,
    path: String,
    ui: bool,
}

fn queries(open: usize) -> Vec<Query> {
    let last = open.div_ceil(PER_PAGE).max(1);
    let q = |label: &str, path: String, ui| Query {
        label: label.into(),
        path,
        ui,
    };
    vec![
        q(
            "UI queue, first page: `GET /requests`",
            "/requests".into(),
            true,
        ),
        q(
            "UI queue, deep page: `GET /requests?page=100`",
            "/requests?page=100".into(),
            true,
        ),
        q(
            &format!("UI queue, last page: `GET /requests?page={last}`"),
            format!("/requests?page={last}"),
            true,
        ),
        q(
            "UI queue, filtered: `GET /requests?right=right_to_erasure`",
            "/requests?right=right_to_erasure".into(),
            true,
        ),
        q(
            "API, first page: `GET /api/v1/requests`",
            "/api/v1/requests".into(),
            false,
        ),
    ]
}

struct Measured {
    label: String,
    ui: bool,
    /// Rows on the page and matches in all, as the first answer gave them.
    rows: usize,
    total: i64,
    samples: Vec<Duration>,
}

/// Rows and total of a page: the HTML table's rows, or the API's `items` and `total`. For an
/// HTML page the total comes from the API with the same filter.
async fn check_page(client: &reqwest::Client, base: &str, path: &str) -> Result<(usize, i64)> {
    let api_path = match path.strip_prefix("/requests") {
        Some(query) => format!("/api/v1/requests{query}"),
        None => path.to_string(),
    };
    let (_, body) = timed_get(client, &format!("{base}{api_path}")).await?;
    let v: serde_json::Value = serde_json::from_str(&body)?;
    let total = v
        .get("total")
        .and_then(serde_json::Value::as_i64)
        .with_context(|| format!("no total in {api_path}"))?;
    let rows = if path.starts_with("/api/") {
        v.get("items")
            .and_then(serde_json::Value::as_array)
            .map_or(0, Vec::len)
    } else {
        let (_, html) = timed_get(client, &format!("{base}{path}")).await?;
        html.matches("<tr class=\"deadline-").count()
    };
    Ok((rows, total))
}

async fn measure(
    client: &reqwest::Client,
    base: &str,
    query: &Query,
    n: usize,
) -> Result<Measured> {
    let (rows, total) = check_page(client, base, &query.path).await?;
    let url = format!("{base}{}", query.path);
    for _ in 0..WARM_UP_REQUESTS {
        timed_get(client, &url).await?;
    }
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        samples.push(timed_get(client, &url).await?.0);
    }
    Ok(Measured {
        label: query.label.clone(),
        ui: query.ui,
        rows,
        total,
        samples,
    })
}

// ---------------------------------------------------------------------------------------
// The binary, the databases and the server (as in the register bench).

/// Runs `grondslag ARGS` to the end, with `stdin` as its input.
fn run(bin: &Path, args: &[&str], stdin: &str) -> Result<()> {
    let mut child = Command::new(bin)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(stdin.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "grondslag {} failed ({}):\n{}{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// The load averages over 1, 5 and 15 minutes, as `uptime` shows them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

/// Requests come in one at a time, and on a server with autovacuum (the default) the
/// statistics of `requests` follow. With `GRONDSLAG_BENCH_PG_ANALYZE=auto` (default) the
/// bench runs ANALYZE when autovacuum is off on the server, `1` always, `0` never; `vacuum`
/// runs VACUUM ANALYZE, as autovacuum would after a load like this one.
async fn pg_statistics(url: &str) -> Result<String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let autovacuum: String = sqlx::query_scalar("SELECT current_setting('autovacuum')")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    let setting = std::env::var("GRONDSLAG_BENCH_PG_ANALYZE").unwrap_or_else(|_| "auto".into());
    let statement = match setting.as_str() {
        "0" => None,
        "1" => Some("ANALYZE"),
        "auto" | "" => (autovacuum == "off").then_some("ANALYZE"),
        "vacuum" => Some("VACUUM ANALYZE"),
        other => bail!("GRONDSLAG_BENCH_PG_ANALYZE={other}; expected auto, 0, 1 or vacuum"),
    };
    let Some(statement) = statement else {
        return Ok(format!(
            "no ANALYZE by the bench (autovacuum is {autovacuum} on this server)"
        ));
    };
    let t = Instant::now();
    pg_admin(url, &[statement]).await?;
    Ok(format!(
        "{statement} run by the bench after the load, {:.1} s (autovacuum is {autovacuum} on this server)",
        t.elapsed().as_secs_f64()
    ))
}

// ---------------------------------------------------------------------------------------
// One backend, start to end.

#[derive(Clone, Copy, PartialEq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

struct Outcome {
    backend: Backend,
    loaded: Loaded,
    statistics: String,
    /// `/proc/loadavg` before the load and after the HTTP load.
    load_avg: (String, String),
    measured: Vec<Measured>,
    rss_idle_kb: u64,
    hwm_kb: u64,
    rss_kb: u64,
}

/// What every backend's run shares.
struct Settings {
    bin: PathBuf,
    today: NaiveDate,
    pg_url: Option<String>,
    /// Timed requests per query.
    n: usize,
    keep: bool,
}

async fn bench_backend(
    backend: Backend,
    set: &Settings,
    specs: &[Spec],
    dir: &Path,
) -> Result<Outcome> {
    let (bin, today, n, keep) = (set.bin.as_path(), set.today, set.n, set.keep);
    let pg_url = set.pg_url.as_deref();
    let (url, load_url) = match backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}", dir.join("bench.db").display());
            (url.clone(), url)
        }
        Backend::Postgres => {
            let admin = pg_url.context("no PostgreSQL URL")?;
            pg_admin(
                admin,
                &[
                    &format!("DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"),
                    &format!("CREATE DATABASE {PG_DATABASE}"),
                ],
            )
            .await?;
            let url = with_database(admin, PG_DATABASE)?;
            // Loading commits some 75,000 small transactions, so the loading connections
            // do not wait for each WAL flush. They also plan every statement for its
            // values: a cached generic plan of the intake's `MAX(number) ... WHERE year = $1`,
            // made while the table was empty, reads the whole year on every intake and
            // made the load quadratic (and four minutes long) on a server without
            // autovacuum. The server measured later uses the plain URL and the server's
            // own settings.
            let sep = if url.contains('?') { '&' } else { '?' };
            let load_url = format!(
                "{url}{sep}options[synchronous_commit]=off&options[plan_cache_mode]=force_custom_plan"
            );
            (url, load_url)
        }
    };
    let name = backend.name();
    let load_before = load_average();

    // The accounts, with the real binary: the FG who reads the queue, and the handlers the
    // requests are assigned to.
    run(
        bin,
        &[
            "user",
            "add",
            "--database",
            &url,
            USERNAME,
            "--name",
            "Bench",
            "--role",
            "data_protection_officer",
        ],
        &format!("{PASSWORD}\n"),
    )?;
    for h in HANDLERS {
        run(
            bin,
            &[
                "user",
                "add",
                "--database",
                &url,
                h,
                "--name",
                h,
                "--role",
                "dpo_office",
            ],
            &format!("{PASSWORD}\n"),
        )?;
    }

    eprintln!(
        "[{name}] loading {} requests through the store",
        specs.len()
    );
    let store = Store::connect(&load_url).await?;
    let loaded = load(&store, specs, today).await?;
    store.close().await;
    eprintln!(
        "[{name}]   {} requests, {} writes in {:.1} s: {:?}",
        specs.len(),
        loaded.writes,
        loaded.elapsed.as_secs_f64(),
        loaded.by_status
    );

    let statistics = match backend {
        Backend::Sqlite => "as loaded (the store runs no ANALYZE)".to_string(),
        Backend::Postgres => pg_statistics(&url).await?,
    };
    eprintln!("[{name}] planner statistics: {statistics}");

    eprintln!("[{name}] grondslag serve");
    let (mut server, _) = Server::start(
        bin,
        &["--database".as_ref(), url.as_ref()],
        dir,
        Duration::from_secs(30),
    )
    .await?;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(60))
        .build()?;
    let res = client
        .post(format!("{}/api/v1/session", server.base))
        .json(&serde_json::json!({"username": USERNAME, "password": PASSWORD}))
        .send()
        .await?;
    ensure!(res.status() == 200, "login answered {}", res.status());
    let rss_idle_kb = proc_status_kb(server.pid(), "VmRSS").unwrap_or(0);

    let mut measured = Vec::new();
    for q in queries(loaded.open()) {
        eprintln!("[{name}] {}: {WARM_UP_REQUESTS} + {n} requests", q.label);
        let m = measure(&client, &server.base, &q, n).await?;
        let st = stats(&m.samples);
        eprintln!(
            "[{name}]   {} rows of {}; p50 {:.1} / p95 {:.1} ms",
            m.rows, m.total, st.p50, st.p95
        );
        measured.push(m);
    }
    ensure!(
        measured[0].total == loaded.open() as i64,
        "the queue counts {} open requests; {} were loaded",
        measured[0].total,
        loaded.open()
    );

    let hwm_kb = proc_status_kb(server.pid(), "VmHWM").context("reading VmHWM")?;
    let rss_kb = proc_status_kb(server.pid(), "VmRSS").context("reading VmRSS")?;
    server.stop();
    if backend == Backend::Postgres && !keep {
        pg_admin(
            pg_url.expect("checked"),
            &[&format!(
                "DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"
            )],
        )
        .await?;
    }
    if keep {
        eprintln!("[{name}] kept the database {url}");
    }
    Ok(Outcome {
        backend,
        loaded,
        statistics,
        load_avg: (load_before, load_average()),
        measured,
        rss_idle_kb,
        hwm_kb,
        rss_kb,
    })
}

// ---------------------------------------------------------------------------------------
// The report.

fn report(outcomes: &[Outcome], n: usize) {
    println!("## Results\n");
    println!(
        "One client, {WARM_UP_REQUESTS} warm-up requests and then {n} timed requests per query, \
         logged in as the FG (`data_protection_officer`); {PER_PAGE} rows per page.\n"
    );
    print!("| Measure | Target |");
    for o in outcomes {
        print!(" {} |", o.backend.name());
    }
    println!();
    print!("|---|---|");
    for _ in outcomes {
        print!("---|");
    }
    println!();
    let row = |name: &str, target: &str, cell: &dyn Fn(&Outcome) -> String| {
        print!("| {name} | {target} |");
        for o in outcomes {
            print!(" {} |", cell(o));
        }
        println!();
    };
    row("requests loaded (open / closed)", "–", &|o| {
        let open = o.loaded.open();
        let closed = o.loaded.by_status.get("closed").copied().unwrap_or(0);
        format!("{open} / {closed}")
    });
    row(
        "open requests: deadline open / at risk / overdue; with the right to erasure",
        "–",
        &|o| {
            format!(
                "{} / {} / {}; {}",
                o.loaded.status(DeadlineStatus::Open),
                o.loaded.status(DeadlineStatus::AtRisk),
                o.loaded.status(DeadlineStatus::Overdue),
                o.loaded.open_erasure
            )
        },
    );
    row(
        "loading through the store (requests and steps, one write each)",
        "–",
        &|o| {
            format!(
                "{} writes in {:.1} s ({:.0}/s)",
                o.loaded.writes,
                o.loaded.elapsed.as_secs_f64(),
                o.loaded.writes as f64 / o.loaded.elapsed.as_secs_f64()
            )
        },
    );
    row("planner statistics", "–", &|o| o.statistics.clone());
    for (i, label) in outcomes
        .first()
        .map(|o| {
            o.measured
                .iter()
                .map(|m| m.label.clone())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let target = if outcomes[0].measured[i].ui {
            "p95 < 100 ms"
        } else {
            "–"
        };
        row(label, target, &|o| {
            let m = &o.measured[i];
            let st = stats(&m.samples);
            let mut cell = format!(
                "p50 {:.1} / **p95 {:.1}** / p99 {:.1} / max {:.1} ms ({} rows of {}, n={})",
                st.p50, st.p95, st.p99, st.max, m.rows, m.total, st.n
            );
            if m.ui {
                cell.push_str(&format!(" — {}", verdict(st.p95 < P95_TARGET_MS)));
            }
            cell
        });
    }
    row("server resident memory, peak (VmHWM)", "–", &|o| {
        format!("{:.0} MB", mb(o.hwm_kb))
    });
    row(
        "server resident memory after login / after the load (VmRSS)",
        "–",
        &|o| format!("{:.0} MB / {:.0} MB", mb(o.rss_idle_kb), mb(o.rss_kb)),
    );
    row(
        "load average (1, 5, 15 min) before the load / after the HTTP load",
        "–",
        &|o| format!("{} / {}", o.load_avg.0, o.load_avg.1),
    );
    println!();
}

// ---------------------------------------------------------------------------------------

/// `cargo test --benches`: 100 generated requests load into a SQLite store, and the queue
/// holds the open ones by deadline.
async fn smoke(today: NaiveDate) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Store::connect(&format!(
        "sqlite://{}",
        dir.path().join("smoke.db").display()
    ))
    .await?;
    let dpo = Grant {
        role: Role::DpoOffice,
        unit: None,
    };
    for h in HANDLERS {
        store
            .create_user("cli", h, h, PASSWORD, std::slice::from_ref(&dpo))
            .await?;
    }
    let specs = generate(today, 40, 60);
    let loaded = load(&store, &specs, today).await?;
    ensure!(loaded.open() == 40, "{:?}", loaded.by_status);
    let filter = RequestFilter {
        open: true,
        ..RequestFilter::default()
    };
    let page = store.list_requests(&filter, 1, PER_PAGE as u32).await?;
    ensure!(page.total == 40, "the queue holds {} requests", page.total);
    ensure!(
        page.items.windows(2).all(|w| w[0].due_on <= w[1].due_on),
        "the queue is not sorted by deadline"
    );
    store.close().await;
    println!(
        "requests bench: {} generated requests load and list ({:?}); run `cargo bench -p grondslag --bench requests` to measure",
        specs.len(),
        loaded.by_status
    );
    Ok(())
}

fn main() -> Result<()> {
    let today = Utc::now().date_naive();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // `cargo test --benches` runs bench targets without `--bench`: a small check only.
    if !std::env::args().any(|a| a == "--bench") {
        return rt.block_on(smoke(today));
    }
    let open = env_usize("GRONDSLAG_BENCH_OPEN", 10_000)?;
    let closed = env_usize("GRONDSLAG_BENCH_CLOSED", 20_000)?;
    let n = env_usize("GRONDSLAG_BENCH_REQUESTS", 300)?;
    let keep = std::env::var("GRONDSLAG_BENCH_KEEP").is_ok_and(|v| v == "1");
    let pg_url = std::env::var("GRONDSLAG_BENCH_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let backends: Vec<Backend> = match std::env::var("GRONDSLAG_BENCH_BACKENDS") {
        Ok(list) => list
            .split(',')
            .map(|b| match b.trim() {
                "sqlite" => Ok(Backend::Sqlite),
                "postgres" => Ok(Backend::Postgres),
                other => bail!("unknown backend {other:?}; expected sqlite or postgres"),
            })
            .collect::<Result<_>>()?,
        Err(_) if pg_url.is_some() => vec![Backend::Sqlite, Backend::Postgres],
        Err(_) => vec![Backend::Sqlite],
    };
    if backends.contains(&Backend::Postgres) && pg_url.is_none() {
        bail!("set GRONDSLAG_BENCH_POSTGRES_URL, e.g. postgres://postgres@127.0.0.1:5432/test");
    }
    let set = Settings {
        bin: binary()?,
        today,
        pg_url,
        n,
        keep,
    };
    let dir = tempfile::Builder::new()
        .prefix("grondslag-bench-requests-")
        .tempdir()?;
    eprintln!("generating {open} open and {closed} closed requests (today is {today})");
    let specs = generate(today, open, closed);

    let mut outcomes = Vec::new();
    for backend in backends {
        let sub = dir.path().join(backend.name().to_lowercase());
        std::fs::create_dir_all(&sub)?;
        outcomes.push(rt.block_on(bench_backend(backend, &set, &specs, &sub))?);
    }
    report(&outcomes, n);
    if keep {
        let kept = dir.keep();
        eprintln!("kept {}", kept.display());
    }
    Ok(())
}
