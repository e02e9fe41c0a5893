//! Benchmark of the consent ledger (issue 5; docs/benchmarks.md, "Consent ledger"): "Load 2
//! million subjects with 10 million events. On this 2-core machine: a single decision over
//! HTTP with p99 under 5 ms at 64 concurrent clients; batch decisions at 500,000 per second or
//! more; filtering an audience of 1 million identifiers in under 3 s; ingesting events at
//! 50,000 per second or more in batches; the server's memory bounded and reported."
//!
//! The real `grondslag serve` (release build) serves a database that holds the demo
//! university's register (imported with `grondslag import`) and a generated ledger: e-mail
//! addresses, phone numbers and student numbers; consents (some explicit, some verbal with a
//! witness, some for a purpose), withdrawals, renewals, objections to direct marketing and
//! retargeting, GPC signals, weighed objections with the FG's assessment, restrictions and
//! withdrawn objections, over the register's own activities. Every generated history is valid:
//! the ledger refuses anything else. The bench talks to it as other systems do, with an API
//! token, over 127.0.0.1:
//!
//! - ingest: `POST /api/v1/consent/events`, batches of whole subjects from several clients;
//! - single decisions: `POST /api/v1/consent/decision` from 64 concurrent clients, closed
//!   loop (each sends its next request when the last is answered: the server's capacity) and
//!   paced (a fixed total rate, latency counted from the planned send time);
//! - batch decisions: `POST /api/v1/consent/decisions`, NDJSON in and out, several large
//!   streams at once;
//! - an audience: `POST /api/v1/consent/audience?format=csv` with a raw CSV of 1 million
//!   e-mail addresses and phone numbers (known, unknown, duplicate, malformed).
//!
//! Decisions that come back are checked against the domain's `decide` over the generated
//! history of the same subject. Run it with the release binary built first:
//!
//! ```text
//! cargo build --release -p grondslag
//! GRONDSLAG_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo bench -p grondslag --bench consent
//! ```
//!
//! Without `GRONDSLAG_BENCH_POSTGRES_URL` only SQLite is measured. On PostgreSQL the bench
//! creates, and afterwards drops, its own database `grondslag_bench_consent`.
//!
//! Settings (environment):
//! - `GRONDSLAG_BENCH_SUBJECTS`, `GRONDSLAG_BENCH_EVENTS`: the ledger (2000000 and 10000000);
//! - `GRONDSLAG_BENCH_API_EVENTS`: how many of the events go through the HTTP API, which is
//!   the ingest measure (default 1000000); the rest is loaded first, through the store's own
//!   `record_consent_events` in the bench process (the same validation and insert, without
//!   HTTP), in batches of `GRONDSLAG_BENCH_BULK_BATCH` (50000);
//! - `GRONDSLAG_BENCH_BATCH`: events per ingest request (4000, about 1.3 MB of JSON),
//!   `GRONDSLAG_BENCH_INGEST_CLIENTS`: concurrent ingest requests (2);
//! - `GRONDSLAG_BENCH_CLIENTS`: concurrent clients for single decisions (64),
//!   `GRONDSLAG_BENCH_DECISIONS`: timed single decisions in the closed loop (50000),
//!   `GRONDSLAG_BENCH_RATE`: the paced run's total rate per second (2000), for
//!   `GRONDSLAG_BENCH_PACED_SECS` seconds (15);
//! - `GRONDSLAG_BENCH_STREAMS`, `GRONDSLAG_BENCH_STREAM_LINES`: batch decisions (4 streams of
//!   500000 lines);
//! - `GRONDSLAG_BENCH_AUDIENCE`: identifiers in the audience (1000000);
//! - `GRONDSLAG_BENCH_BACKENDS`: `sqlite`, `postgres` or `sqlite,postgres` (default: both
//!   when a PostgreSQL URL is given);
//! - `GRONDSLAG_BENCH_PG_ANALYZE`: `auto` (default: VACUUM ANALYZE after the load when
//!   autovacuum is off on the server, which is what autovacuum would do; it also sets the
//!   visibility map that index-only scans need), `0`, `1` (ANALYZE only) or `vacuum`;
//! - `GRONDSLAG_BENCH_KEEP=1`: keep the databases; `GRONDSLAG_BENCH_BIN`: the binary
//!   (default `target/release/grondslag`).
//!
//! The client runs on the same two cores as the server (and PostgreSQL): every figure includes
//! the client's own work. Under `cargo test --benches` (no `--bench` argument) it only
//! generates 300 subjects, records them in a temporary SQLite store and checks their decisions.

use anyhow::{bail, ensure, Context, Result};
use chrono::{TimeDelta, TimeZone, Utc};
use grondslag_domain::consent::{
    decide, ActivityConsentNeeds, ConsentDetails, ConsentEvent, EventKind, IdentifierKind, Notice,
    ObjectionKind, PseudonymKey, RecordedBy, SubjectId, SubjectKey, Target,
};
use grondslag_domain::vocab::{ConsentMethod, Purpose, Term};
use grondslag_store::Store;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;
use support::{binary, env_usize, mb, pg_admin, proc_status_kb, verdict, with_database, Server};

const PG_DATABASE: &str = "grondslag_bench_consent";
/// The demo university's register: its activities are what consent is given for.
const REGISTER: &str = include_str!("../src/demo/university.json");
const WARM_UP: usize = 2000;
/// Decisions checked against the domain's `decide`, per kind of measurement.
const CHECKED: usize = 2000;

const P99_TARGET_MS: f64 = 5.0;
const BATCH_TARGET: f64 = 500_000.0;
const AUDIENCE_TARGET_S: f64 = 3.0;
const INGEST_TARGET: f64 = 50_000.0;

/// The ledger's secret: fixed, so that a kept database can be asked again. Fine for a bench,
/// never for a real ledger.
fn secret() -> Vec<u8> {
    (0..32u8)
        .map(|i| i.wrapping_mul(97).wrapping_add(13))
        .collect()
}

// ---------------------------------------------------------------------------------------
// A small deterministic generator (as in the other benches): the same ledger on every run,
// and any subject's history made again from its number alone.

struct Lcg(u64);

impl Lcg {
    fn new(seed: u64) -> Self {
        let mut l = Lcg(seed ^ 0x9E37_79B9_7F4A_7C15);
        l.draw();
        l
    }

    fn draw(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.draw() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.draw() % 100 < percent
    }
}

const FIRST_NAMES: &[&str] = &[
    "anouk", "bram", "daan", "emma", "fleur", "gijs", "hanna", "ilse", "joost", "kim", "lotte",
    "maarten", "noor", "pieter", "roos", "sanne", "thijs", "vera", "wouter", "yara", "bulent",
    "fatima", "mohamed", "ngozi", "wei", "priya", "lukas", "chiara", "mateusz", "soren",
];
const LAST_NAMES: &[&str] = &[
    "devries",
    "jansen",
    "vandenberg",
    "bakker",
    "visser",
    "smit",
    "meijer",
    "deboer",
    "mulder",
    "degroot",
    "bos",
    "vos",
    "peters",
    "hendriks",
    "vandijk",
    "dekker",
    "yilmaz",
    "elamrani",
    "okafor",
    "chen",
    "sharma",
    "muller",
    "rossi",
    "kowalski",
    "nielsen",
    "garcia",
];
const DOMAINS: &[&str] = &[
    "student.lindenhout.nl",
    "lindenhout.nl",
    "gmail.com",
    "outlook.com",
];

/// Subject `i`'s identifier as a source system sends it: 6 in 10 an e-mail address, 2 a
/// phone number (written three ways, one person), 2 a student number.
fn identifier(i: usize) -> (IdentifierKind, String) {
    let name = |i: usize| {
        let first = FIRST_NAMES[i % FIRST_NAMES.len()];
        let last = LAST_NAMES[(i / FIRST_NAMES.len()) % LAST_NAMES.len()];
        (first, last)
    };
    match i % 10 {
        0..=5 => {
            let (first, last) = name(i);
            let domain = DOMAINS[(i / 7) % DOMAINS.len()];
            let address = format!("{first}.{last}.{i}@{domain}");
            // Some systems send capitals; the ledger lower-cases.
            let address = if i.is_multiple_of(13) {
                address.to_uppercase()
            } else {
                address
            };
            (IdentifierKind::Email, address)
        }
        6 | 7 => {
            let n = 10_000_000 + i;
            let phone = match i % 3 {
                0 => format!("06-{n}"),
                1 => format!("+316{n}"),
                _ => format!("00316{n}"),
            };
            (IdentifierKind::Phone, phone)
        }
        _ => (IdentifierKind::StudentNumber, format!("s{}", 1_000_000 + i)),
    }
}

/// An identifier as the API takes it.
fn identifier_json(i: usize) -> Value {
    let (kind, value) = identifier(i);
    json!({"kind": kind.machine_name(), "value": value})
}

/// The register's activities, as the ledger sees them.
struct Register {
    /// Every activity with what it needs.
    all: Vec<(String, ActivityConsentNeeds)>,
    /// Indices into `all`: activities that rest on consent, and those that do not.
    consent: Vec<usize>,
    other: Vec<usize>,
    /// A consent-based direct-marketing activity that targets: the audience's activity.
    audience: usize,
}

impl Register {
    fn demo() -> Result<Register> {
        let value: Value = serde_json::from_str(REGISTER)?;
        let doc = grondslag_domain::interchange::parse(&value)
            .map_err(|e| anyhow::anyhow!("the demo register: {e}"))?;
        let all: Vec<(String, ActivityConsentNeeds)> = doc
            .activities
            .iter()
            .map(|r| {
                (
                    r.id.clone(),
                    ActivityConsentNeeds::from_activity(&r.activity),
                )
            })
            .collect();
        let consent: Vec<usize> = (0..all.len()).filter(|i| all[*i].1.consent).collect();
        let other: Vec<usize> = (0..all.len()).filter(|i| !all[*i].1.consent).collect();
        let audience = consent
            .iter()
            .copied()
            .find(|i| all[*i].1.direct_marketing && all[*i].1.targeting)
            .or_else(|| consent.iter().copied().find(|i| all[*i].1.direct_marketing))
            .context("the demo register has no consent-based direct marketing")?;
        ensure!(
            !consent.is_empty() && !other.is_empty(),
            "the demo register needs activities with and without consent"
        );
        Ok(Register {
            all,
            consent,
            other,
            audience,
        })
    }
}

fn notices() -> Vec<Notice> {
    [
        ("website-consent", "nl", "Ja, de universiteit mag mijn gegevens gebruiken voor het doel dat hierboven staat. Ik kan dit altijd intrekken."),
        ("website-consent", "en", "Yes, the university may use my data for the purpose stated above. I can withdraw this at any time."),
        ("paper-form", "nl", "Ik geef toestemming zoals op dit formulier beschreven."),
    ]
    .iter()
    .map(|(id, lang, text)| Notice {
        id: (*id).into(),
        version: "1".into(),
        language: (*lang).into(),
        text: (*text).into(),
    })
    .collect()
}

/// Purposes that consents are sometimes given for, instead of one activity.
const PURPOSES: &[Purpose] = &[
    Purpose::AlumniRelations,
    Purpose::Communication,
    Purpose::StudentRecruitment,
];

/// Subject `i`'s history: about `mean` events, each valid against the ones before (the
/// ledger refuses anything else), all between 2021 and 2023.
fn history(
    reg: &Register,
    notices: &[Notice],
    key: &PseudonymKey,
    i: usize,
    mean: f64,
) -> Vec<ConsentEvent> {
    let mut rng = Lcg::new(i as u64);
    let (kind, raw) = identifier(i);
    let subject =
        key.subject_key(&SubjectId::parse(kind, &raw).expect("generated identifiers parse"));
    let count = 1 + rng.below(((2.0 * mean - 1.0).round() as usize).max(1));
    let mut at =
        Utc.with_ymd_and_hms(2021, 1, 1, 8, 0, 0).unwrap() + TimeDelta::days(rng.below(365) as i64);
    // What is in force, so that every event is one the ledger accepts.
    let mut in_force: Vec<(usize, bool)> = Vec::new();
    let mut ever: Vec<usize> = Vec::new();
    let mut purpose_given: Vec<Purpose> = Vec::new();
    let (mut dm, mut gpc, mut retarget, mut restricted) = (false, false, false, false);
    // The one weighed objection a subject may make: (activity, still pending).
    let mut weighed: Option<(usize, bool)> = None;
    let mut out = Vec::with_capacity(count);
    for n in 0..count {
        at += TimeDelta::days(1 + rng.below(40) as i64)
            + TimeDelta::seconds(rng.below(86_400) as i64);
        let mut activity: Option<usize> = None;
        let mut purpose: Option<Purpose> = None;
        let consent = |rng: &mut Lcg, a: Option<usize>| {
            let explicit_needed = a.is_some_and(|a| reg.all[a].1.explicit);
            let method = match rng.below(20) {
                0..=11 => ConsentMethod::WebForm,
                12..=14 => ConsentMethod::CookieBanner,
                15..=16 => ConsentMethod::AtEnrolment,
                17..=18 => ConsentMethod::OnPaper,
                _ => ConsentMethod::Verbal,
            };
            ConsentDetails {
                notice: notices[if method == ConsentMethod::OnPaper {
                    2
                } else {
                    i % 2
                }]
                .hash(),
                method,
                explicit: if explicit_needed {
                    rng.chance(85)
                } else {
                    rng.chance(10)
                },
                witness: (method == ConsentMethod::Verbal).then(|| "balie-medewerker".to_string()),
            }
        };
        let roll = if n == 0 { 0 } else { rng.below(100) };
        let kind = match roll {
            // Consent for an activity: the most common event.
            0..=39 => {
                let a = reg.consent[rng.below(reg.consent.len())];
                if let Some(pos) = in_force.iter().position(|(x, _)| *x == a) {
                    // Already in force: renewed.
                    activity = Some(a);
                    let d = consent(&mut rng, Some(a));
                    in_force[pos].1 = d.explicit;
                    EventKind::ConsentRenewed(d)
                } else {
                    activity = Some(a);
                    let d = consent(&mut rng, Some(a));
                    in_force.push((a, d.explicit));
                    ever.push(a);
                    EventKind::ConsentGiven(d)
                }
            }
            40..=57 if !in_force.is_empty() => {
                let (a, _) = in_force.swap_remove(rng.below(in_force.len()));
                activity = Some(a);
                EventKind::ConsentWithdrawn
            }
            58..=62 if !ever.is_empty() => {
                let a = ever[rng.below(ever.len())];
                activity = Some(a);
                let d = consent(&mut rng, Some(a));
                match in_force.iter().position(|(x, _)| *x == a) {
                    Some(pos) => in_force[pos].1 = d.explicit,
                    None => in_force.push((a, d.explicit)),
                }
                EventKind::ConsentRenewed(d)
            }
            63..=67 => {
                let p = PURPOSES[rng.below(PURPOSES.len())];
                purpose = Some(p);
                if let Some(pos) = purpose_given.iter().position(|x| *x == p) {
                    purpose_given.swap_remove(pos);
                    EventKind::ConsentWithdrawn
                } else {
                    purpose_given.push(p);
                    EventKind::ConsentGiven(consent(&mut rng, None))
                }
            }
            68..=73 if !dm => {
                dm = true;
                EventKind::DirectMarketingObjection
            }
            74..=79 if !gpc => {
                gpc = true;
                EventKind::GpcSignal
            }
            80..=81 if !retarget => {
                retarget = true;
                EventKind::RetargetingObjection
            }
            82..=83 if dm || gpc => {
                let objection = if dm {
                    dm = false;
                    ObjectionKind::DirectMarketing
                } else {
                    gpc = false;
                    ObjectionKind::Gpc
                };
                EventKind::ObjectionWithdrawn { objection }
            }
            84..=86 if !restricted => {
                restricted = true;
                EventKind::RestrictionSet {
                    grounds: "betwist de juistheid van de gegevens (AVG 18(1)(a))".into(),
                }
            }
            87..=89 if restricted => {
                restricted = false;
                EventKind::RestrictionLifted
            }
            90..=94 if weighed.is_none() => {
                let a = reg.other[rng.below(reg.other.len())];
                activity = Some(a);
                weighed = Some((a, true));
                EventKind::Objection {
                    grounds: "bijzondere persoonlijke omstandigheden".into(),
                }
            }
            95..=99 if matches!(weighed, Some((_, true))) => {
                let (a, _) = weighed.expect("matched");
                activity = Some(a);
                weighed = Some((a, false));
                let reasons = "afweging door de FG vastgelegd in het dossier".to_string();
                if rng.chance(40) {
                    EventKind::ObjectionUpheld { reasons }
                } else {
                    EventKind::ObjectionRejected { reasons }
                }
            }
            // Nothing else fits now: a consent, as most events are.
            _ => {
                let a = reg.consent[rng.below(reg.consent.len())];
                activity = Some(a);
                let d = consent(&mut rng, Some(a));
                match in_force.iter().position(|(x, _)| *x == a) {
                    Some(pos) => {
                        in_force[pos].1 = d.explicit;
                        EventKind::ConsentRenewed(d)
                    }
                    None => {
                        in_force.push((a, d.explicit));
                        if ever.contains(&a) {
                            EventKind::ConsentRenewed(d)
                        } else {
                            ever.push(a);
                            EventKind::ConsentGiven(d)
                        }
                    }
                }
            }
        };
        out.push(ConsentEvent {
            subject,
            activity: activity.map(|a| reg.all[a].0.clone()),
            purpose,
            at,
            recorded_by: RecordedBy::system("crm"),
            evidence: format!("submission {}-{n}", i),
            kind,
        });
    }
    out
}

/// A generated event as an item of `POST /api/v1/consent/events`: the identifier in clear
/// instead of the key, and the caller (the API token) as the recorder.
fn item(e: &ConsentEvent, i: usize) -> Value {
    let mut v = serde_json::to_value(e).expect("an event serialises");
    let obj = v.as_object_mut().expect("an object");
    obj.remove("subject");
    obj.remove("recorded_by");
    obj.insert("identifier".into(), identifier_json(i));
    v
}

/// What the ledger must answer for subject `i` about activity `a` now, by the domain's own
/// `decide` over the generated history.
fn expected(
    reg: &Register,
    notices: &[Notice],
    key: &PseudonymKey,
    scale: &Scale,
    i: usize,
    a: usize,
) -> &'static str {
    let events = if i < scale.subjects {
        history(reg, notices, key, i, scale.mean())
    } else {
        Vec::new()
    };
    let (id, needs) = &reg.all[a];
    decide(&events, needs, Target::Activity(id), Utc::now())
        .reason
        .machine_name()
}

// ---------------------------------------------------------------------------------------
// The workload: who is asked about, and the bodies.

/// Settings of the ledger and the workload.
#[derive(Clone)]
struct Scale {
    subjects: usize,
    events: usize,
    api_events: usize,
    bulk_batch: usize,
    batch: usize,
    ingest_clients: usize,
    clients: usize,
    decisions: usize,
    rate: usize,
    paced_secs: u64,
    streams: usize,
    stream_lines: usize,
    audience: usize,
}

impl Scale {
    /// A tiny workload, for the smoke run.
    fn small() -> Scale {
        Scale {
            subjects: 300,
            events: 1500,
            api_events: 0,
            bulk_batch: 1000,
            batch: 100,
            ingest_clients: 1,
            clients: 2,
            decisions: 10,
            rate: 10,
            paced_secs: 1,
            streams: 1,
            stream_lines: 10,
            audience: 10,
        }
    }

    fn mean(&self) -> f64 {
        self.events as f64 / self.subjects as f64
    }

    /// Subjects `0..api_subjects` go through the HTTP API, the rest through the store.
    fn api_subjects(&self) -> usize {
        ((self.api_events as f64 / self.mean()).ceil() as usize).min(self.subjects)
    }
}

/// A decision asked about: a subject of the ledger or, one time in ten, someone the ledger
/// never heard of (a number from `subjects` on); and an activity, seven times in ten one that
/// rests on consent.
fn question(rng: &mut Lcg, reg: &Register, subjects: usize) -> (usize, usize) {
    let i = if rng.chance(10) {
        subjects + rng.below(subjects)
    } else {
        rng.below(subjects)
    };
    let a = if rng.chance(70) {
        reg.consent[rng.below(reg.consent.len())]
    } else {
        reg.other[rng.below(reg.other.len())]
    };
    (i, a)
}

fn question_json(reg: &Register, i: usize, a: usize) -> Value {
    json!({"identifier": identifier_json(i), "activity": reg.all[a].0})
}

// ---------------------------------------------------------------------------------------
// Measuring.

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
        let rank = ((q * ms.len() as f64).ceil() as usize).clamp(1, ms.len().max(1));
        ms.get(rank - 1).copied().unwrap_or(0.0)
    };
    Stats {
        n: ms.len(),
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
        max: ms.last().copied().unwrap_or(0.0),
    }
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    fn post(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("content-type", content_type)
            .body(body)
    }

    /// `GET /api/v1/consent/index`: the server's consent index, as it reports it.
    async fn index_report(&self) -> Result<Value> {
        let res = self
            .http
            .get(format!("{}/api/v1/consent/index", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?;
        ensure!(res.status().is_success(), "consent index: {}", res.status());
        Ok(res.json().await?)
    }
}

struct Ingest {
    events: usize,
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

/// Loads subjects `0..api_subjects` through the API: batches of whole subjects (a subject's
/// events are in one batch, so concurrent batches never race on one history), `clients`
/// requests at a time.
async fn ingest(
    client: &Arc<Client>,
    reg: &Arc<Register>,
    key: &Arc<PseudonymKey>,
    scale: &Scale,
) -> Result<Ingest> {
    let notices = Arc::new(notices());
    let (tx, rx) = tokio::sync::mpsc::channel::<(usize, String)>(scale.ingest_clients * 2);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    // The bodies are made on a thread of their own, ahead of the clients.
    let producer = {
        let (reg, key, notices, scale) = (reg.clone(), key.clone(), notices.clone(), scale.clone());
        std::thread::spawn(move || {
            let notices_json = serde_json::to_value(&*notices).expect("notices serialise");
            let mut items: Vec<Value> = Vec::with_capacity(scale.batch);
            for i in 0..scale.api_subjects() {
                let events = history(&reg, &notices, &key, i, scale.mean());
                if !items.is_empty() && items.len() + events.len() > scale.batch {
                    let body = json!({"notices": notices_json, "items": items}).to_string();
                    if tx.blocking_send((items.len(), body)).is_err() {
                        return;
                    }
                    items = Vec::with_capacity(scale.batch);
                }
                items.extend(events.iter().map(|e| item(e, i)));
            }
            if !items.is_empty() {
                let body = json!({"notices": notices_json, "items": items}).to_string();
                let _ = tx.blocking_send((items.len(), body));
            }
        })
    };
    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..scale.ingest_clients {
        let (client, rx) = (client.clone(), rx.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = (0usize, 0usize, Vec::new());
            loop {
                let Some((n, body)) = rx.lock().await.recv().await else {
                    return Ok::<_, anyhow::Error>(done);
                };
                let sent = Instant::now();
                let res = client
                    .post("/api/v1/consent/events", "application/json", body)
                    .send()
                    .await?;
                let status = res.status();
                let text = res.text().await?;
                ensure!(
                    status == 201,
                    "recording a batch answered {status}: {}",
                    &text[..text.len().min(2000)]
                );
                done.2.push(sent.elapsed());
                done.0 += n;
                done.1 += 1;
            }
        }));
    }
    let mut out = Ingest {
        events: 0,
        requests: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for task in tasks {
        let (events, requests, latencies) = task.await??;
        out.events += events;
        out.requests += requests;
        out.latencies.extend(latencies);
    }
    out.elapsed = t.elapsed();
    producer
        .join()
        .map_err(|_| anyhow::anyhow!("the body producer panicked"))?;
    Ok(out)
}

struct Bulk {
    events: usize,
    elapsed: Duration,
}

/// Loads subjects `from..to` through the store in the bench process: the same validation and
/// insert as the API, without HTTP and JSON. The histories are made on another thread while
/// the store writes.
async fn bulk(
    url: &str,
    analyze: bool,
    reg: &Arc<Register>,
    key: &Arc<PseudonymKey>,
    scale: &Scale,
    from: usize,
    to: usize,
) -> Result<Bulk> {
    let store = Store::connect(url).await?;
    let stored_notices = notices();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<ConsentEvent>>(2);
    let producer = {
        let (reg, key, scale) = (reg.clone(), key.clone(), scale.clone());
        std::thread::spawn(move || {
            let notices = notices();
            let mut batch: Vec<ConsentEvent> = Vec::with_capacity(scale.bulk_batch);
            for i in from..to {
                batch.extend(history(&reg, &notices, &key, i, scale.mean()));
                if batch.len() >= scale.bulk_batch {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(scale.bulk_batch));
                    if tx.blocking_send(full).is_err() {
                        return;
                    }
                }
            }
            if !batch.is_empty() {
                let _ = tx.blocking_send(batch);
            }
        })
    };
    let t = Instant::now();
    let mut events = 0;
    let mut analyzed = 0;
    let mut last_report = Instant::now();
    while let Some(batch) = rx.recv().await {
        store
            .record_consent_events("system:bench", &stored_notices, &batch)
            .await
            .map_err(|e| anyhow::anyhow!("bulk load: {e}"))?;
        events += batch.len();
        // What autovacuum does as a table grows (from 50 rows, then at every 10%): without
        // statistics the planner reads the whole table to find a batch's histories.
        if analyze && events >= 50 + analyzed + analyzed / 10 {
            pg_admin(url, &["ANALYZE consent_events"]).await?;
            analyzed = events;
        }
        if last_report.elapsed() > Duration::from_secs(30) {
            last_report = Instant::now();
            eprintln!(
                "    {events} events, {:.0}/s",
                events as f64 / t.elapsed().as_secs_f64()
            );
        }
    }
    let elapsed = t.elapsed();
    producer
        .join()
        .map_err(|_| anyhow::anyhow!("the history producer panicked"))?;
    store.close().await;
    Ok(Bulk { events, elapsed })
}

struct Singles {
    closed: Vec<Duration>,
    closed_elapsed: Duration,
    paced: Vec<Duration>,
    paced_rate: f64,
    checked: usize,
}

/// Single decisions from `clients` concurrent clients: a closed loop, then a paced run.
async fn singles(
    client: &Arc<Client>,
    reg: &Arc<Register>,
    key: &PseudonymKey,
    scale: &Scale,
) -> Result<Singles> {
    let mut rng = Lcg::new(77);
    let asked: Vec<(usize, usize)> = (0..20_000)
        .map(|_| question(&mut rng, reg, scale.subjects))
        .collect();
    let bodies: Arc<Vec<String>> = Arc::new(
        asked
            .iter()
            .map(|(i, a)| question_json(reg, *i, *a).to_string())
            .collect(),
    );
    // The answers are checked against the domain first.
    let notices = notices();
    let mut checked = 0;
    for (n, (i, a)) in asked.iter().take(CHECKED.min(asked.len())).enumerate() {
        let res = client
            .post(
                "/api/v1/consent/decision",
                "application/json",
                bodies[n].clone(),
            )
            .send()
            .await?;
        ensure!(res.status() == 200, "a decision answered {}", res.status());
        let v: Value = res.json().await?;
        let want = expected(reg, &notices, key, scale, *i, *a);
        ensure!(
            v["reason"] == want,
            "subject {i}, activity {}: the server says {}, the domain {want}",
            reg.all[*a].0,
            v["reason"]
        );
        checked += 1;
    }
    let closed_loop = |count: usize| {
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..scale.clients {
            let (client, bodies, next) = (client.clone(), bodies.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let mut samples = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= count {
                        return Ok::<_, anyhow::Error>(samples);
                    }
                    let t = Instant::now();
                    let res = client
                        .post(
                            "/api/v1/consent/decision",
                            "application/json",
                            bodies[n % bodies.len()].clone(),
                        )
                        .send()
                        .await?;
                    let status = res.status();
                    res.bytes().await?;
                    samples.push(t.elapsed());
                    ensure!(status == 200, "a decision answered {status}");
                }
            }));
        }
        tasks
    };
    for task in closed_loop(WARM_UP) {
        task.await??;
    }
    let t = Instant::now();
    let mut closed = Vec::new();
    for task in closed_loop(scale.decisions) {
        closed.extend(task.await??);
    }
    let closed_elapsed = t.elapsed();

    // Paced: each client sends on its own schedule, whatever the answers; the latency counts
    // from the planned time, so a server that falls behind shows it (no coordinated omission).
    let interval = Duration::from_secs_f64(scale.clients as f64 / scale.rate as f64);
    let per_client = (scale.paced_secs as f64 / interval.as_secs_f64()) as usize;
    let start = tokio::time::Instant::now() + Duration::from_millis(200);
    let mut tasks = Vec::new();
    for c in 0..scale.clients {
        let (client, bodies) = (client.clone(), bodies.clone());
        let offset = interval.mul_f64(c as f64 / scale.clients as f64);
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::with_capacity(per_client);
            for k in 0..per_client {
                let planned = start + offset + interval * k as u32;
                tokio::time::sleep_until(planned).await;
                let res = client
                    .post(
                        "/api/v1/consent/decision",
                        "application/json",
                        bodies[(c * 7919 + k) % bodies.len()].clone(),
                    )
                    .send()
                    .await?;
                let status = res.status();
                res.bytes().await?;
                samples.push(planned.elapsed());
                ensure!(status == 200, "a decision answered {status}");
            }
            Ok::<_, anyhow::Error>(samples)
        }));
    }
    let t = Instant::now();
    let mut paced = Vec::new();
    for task in tasks {
        paced.extend(task.await??);
    }
    let paced_rate = paced.len() as f64 / t.elapsed().as_secs_f64();
    Ok(Singles {
        closed,
        closed_elapsed,
        paced,
        paced_rate,
        checked,
    })
}

struct Batches {
    decisions: usize,
    bytes_in: usize,
    bytes_out: usize,
    elapsed: Duration,
    checked: usize,
}

/// `streams` NDJSON requests at once, each of `stream_lines` decisions; the time runs from
/// the first byte sent to the last byte received.
async fn batches(
    client: &Arc<Client>,
    reg: &Arc<Register>,
    key: &PseudonymKey,
    scale: &Scale,
) -> Result<Batches> {
    let mut asked_first = Vec::new();
    let mut bodies = Vec::new();
    for s in 0..scale.streams {
        let mut rng = Lcg::new(1000 + s as u64);
        let mut body = Vec::with_capacity(scale.stream_lines * 110);
        for n in 0..scale.stream_lines {
            let (i, a) = question(&mut rng, reg, scale.subjects);
            if s == 0 && n < CHECKED {
                asked_first.push((i, a));
            }
            serde_json::to_writer(&mut body, &question_json(reg, i, a))?;
            body.push(b'\n');
        }
        bodies.push(body);
    }
    let bytes_in = bodies.iter().map(Vec::len).sum();
    let t = Instant::now();
    let mut tasks = Vec::new();
    for (s, body) in bodies.into_iter().enumerate() {
        let client = client.clone();
        let lines = scale.stream_lines;
        tasks.push(tokio::spawn(async move {
            let mut res = client
                .post("/api/v1/consent/decisions", "application/x-ndjson", body)
                .send()
                .await?;
            ensure!(
                res.status() == 200,
                "batch decisions answered {}",
                res.status()
            );
            let (mut count, mut bytes, mut first) = (0usize, 0usize, Vec::new());
            while let Some(chunk) = res.chunk().await? {
                count += chunk.iter().filter(|b| **b == b'\n').count();
                bytes += chunk.len();
                if s == 0 && first.len() < 4 << 20 {
                    first.extend_from_slice(&chunk);
                }
            }
            ensure!(
                count == lines,
                "stream {s}: {count} lines came back for {lines}"
            );
            Ok::<_, anyhow::Error>((count, bytes, first))
        }));
    }
    let mut out = Batches {
        decisions: 0,
        bytes_in,
        bytes_out: 0,
        elapsed: Duration::ZERO,
        checked: 0,
    };
    let mut first = Vec::new();
    for task in tasks {
        let (count, bytes, f) = task.await??;
        out.decisions += count;
        out.bytes_out += bytes;
        if !f.is_empty() {
            first = f;
        }
    }
    out.elapsed = t.elapsed();
    let notices = notices();
    for (line, (i, a)) in std::str::from_utf8(&first)?.lines().zip(&asked_first) {
        let v: Value = serde_json::from_str(line)?;
        let want = expected(reg, &notices, key, scale, *i, *a);
        ensure!(
            v["reason"] == want,
            "batch line {}: the server says {}, the domain {want} ({line})",
            v["index"],
            v["reason"]
        );
        out.checked += 1;
    }
    Ok(out)
}

struct Audience {
    lines: usize,
    bytes_in: usize,
    elapsed: Duration,
    report: Value,
}

/// An audience of `n` identifiers, as a CRM exports it: mostly people in the ledger (e-mail
/// addresses and phone numbers, each once), some never heard of, some twice, some malformed.
async fn audience(client: &Arc<Client>, reg: &Register, scale: &Scale) -> Result<Audience> {
    let mut rng = Lcg::new(4242);
    let mut csv = String::with_capacity(scale.audience * 40);
    csv.push_str("email;naam\n");
    let (mut known, mut duplicate, mut malformed) = (0usize, 0usize, 0usize);
    let mut recent: Vec<String> = Vec::new();
    // A walk through the subjects that visits each at most once.
    let mut step = 1_000_003 % scale.subjects.max(2);
    while gcd(step, scale.subjects) != 1 {
        step += 1;
    }
    let mut k = 0usize;
    let mut lines = 0;
    while lines < scale.audience {
        let roll = rng.below(100);
        let line = if roll < 2 && !recent.is_empty() {
            duplicate += 1;
            recent[rng.below(recent.len())].to_uppercase()
        } else if roll < 3 {
            malformed += 1;
            format!("geen-adres-{lines}")
        } else if roll < 10 || known >= scale.subjects * 8 / 10 {
            format!("onbekend.{lines}@example.org")
        } else {
            let i = loop {
                let i = (k * step + 3) % scale.subjects;
                k += 1;
                if i % 10 < 8 {
                    break i;
                }
            };
            known += 1;
            let (_, value) = identifier(i);
            if recent.len() < 1000 {
                recent.push(value.clone());
            } else {
                recent[rng.below(1000)] = value.clone();
            }
            value
        };
        csv.push_str(&line);
        csv.push_str(";x\n");
        lines += 1;
    }
    let bytes_in = csv.len();
    let t = Instant::now();
    let res = client
        .post(
            &format!(
                "/api/v1/consent/audience?activity={}&format=csv",
                reg.all[reg.audience].0
            ),
            "text/csv",
            csv,
        )
        .send()
        .await?;
    ensure!(
        res.status() == 200,
        "the audience answered {}",
        res.status()
    );
    let report: Value = serde_json::from_str(
        res.headers()
            .get("x-audience-report")
            .context("no x-audience-report")?
            .to_str()?,
    )?;
    let body = res.bytes().await?;
    let elapsed = t.elapsed();
    let returned = body.iter().filter(|b| **b == b'\n').count() - 1;
    ensure!(
        report["total"] == lines,
        "the audience counts {} lines of {lines}",
        report["total"]
    );
    ensure!(
        report["allowed"] == returned,
        "{} allowed, {returned} returned",
        report["allowed"]
    );
    let count = |reason: &str| report["removed"][reason].as_u64().unwrap_or(0) as usize;
    ensure!(
        count("malformed") == malformed && count("duplicate") == duplicate,
        "malformed {malformed}, duplicate {duplicate}: {report}"
    );
    let removed: u64 = report["removed"]
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    ensure!(
        removed + report["allowed"].as_u64().unwrap_or(0) == lines as u64,
        "the counts do not add up: {report}"
    );
    Ok(Audience {
        lines,
        bytes_in,
        elapsed,
        report,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// What 127.0.0.1 carries between two threads of this process, in MB/s: the ceiling of the
/// network for the figures above.
fn loopback_mb_s() -> Result<f64> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let reader = std::thread::spawn(move || -> std::io::Result<usize> {
        let (mut s, _) = listener.accept()?;
        let mut buf = vec![0u8; 1 << 18];
        let mut total = 0;
        loop {
            let n = s.read(&mut buf)?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    });
    let mut s = std::net::TcpStream::connect(addr)?;
    let chunk = vec![b'x'; 1 << 20];
    let t = Instant::now();
    for _ in 0..2048 {
        s.write_all(&chunk)?;
    }
    drop(s);
    let total = reader
        .join()
        .map_err(|_| anyhow::anyhow!("reader panicked"))??;
    Ok(total as f64 / 1e6 / t.elapsed().as_secs_f64())
}

// ---------------------------------------------------------------------------------------
// The binary, the databases and the server (as in the other benches).

/// Runs `grondslag ARGS` to the end and returns what it printed.
fn run(bin: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new(bin)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("starting {}", bin.display()))?;
    if !out.status.success() {
        bail!(
            "grondslag {} failed ({}):\n{}{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

/// The server's (VmRSS, VmHWM) in kB.
fn server_memory(server: &Server) -> (u64, u64) {
    (
        proc_status_kb(server.pid(), "VmRSS").unwrap_or(0),
        proc_status_kb(server.pid(), "VmHWM").unwrap_or(0),
    )
}

async fn pg_scalar(url: &str, sql: &str) -> Result<String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let v: String = sqlx::query_scalar(sql).fetch_one(&mut conn).await?;
    conn.close().await?;
    Ok(v)
}

/// After a bulk load PostgreSQL has no statistics and no visibility map until autovacuum
/// comes by; with `auto` the bench runs VACUUM ANALYZE itself when autovacuum is off.
async fn pg_statistics(url: &str) -> Result<String> {
    let autovacuum = pg_scalar(url, "SELECT current_setting('autovacuum')").await?;
    let setting = std::env::var("GRONDSLAG_BENCH_PG_ANALYZE").unwrap_or_else(|_| "auto".into());
    let statement = match setting.as_str() {
        "0" => None,
        "1" => Some("ANALYZE"),
        "auto" | "" => (autovacuum == "off").then_some("VACUUM ANALYZE"),
        "vacuum" => Some("VACUUM ANALYZE"),
        other => bail!("GRONDSLAG_BENCH_PG_ANALYZE={other}; expected auto, 0, 1 or vacuum"),
    };
    let Some(statement) = statement else {
        return Ok(format!("none by the bench (autovacuum is {autovacuum})"));
    };
    let t = Instant::now();
    pg_admin(url, &[statement]).await?;
    Ok(format!(
        "{statement} by the bench after the load, {:.0} s (autovacuum is {autovacuum} on this server)",
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
    bulk: Bulk,
    ingest: Ingest,
    statistics: String,
    singles: Singles,
    batches: Batches,
    audience: Audience,
    /// (phase, VmRSS kB, VmHWM kB) after each phase.
    memory: Vec<(&'static str, u64, u64)>,
    /// How long the consent index took to load, and its report after the last phase.
    index_load: Duration,
    index: Value,
    database_mb: f64,
    load_avg: Vec<(&'static str, String)>,
}

async fn bench_backend(
    backend: Backend,
    bin: &Path,
    pg_url: Option<&str>,
    scale: &Scale,
    keep: bool,
    dir: &Path,
) -> Result<Outcome> {
    let name = backend.name();
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("bench.db").display()),
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
            with_database(admin, PG_DATABASE)?
        }
    };
    let mut load_avg = vec![("start", load_average())];
    let reg = Arc::new(Register::demo()?);
    let key = Arc::new(PseudonymKey::new(&secret())?);
    let key_file = dir.join("consent.key");
    std::fs::write(&key_file, hex(&secret()))?;
    let register_file = dir.join("university.json");
    std::fs::write(&register_file, REGISTER)?;
    run(
        bin,
        &[
            "import",
            "--database",
            &url,
            register_file.to_str().context("a UTF-8 path")?,
        ],
    )?;
    let expires = (Utc::now() + TimeDelta::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let printed = run(
        bin,
        &[
            "token",
            "create",
            "--database",
            &url,
            "bench",
            "--role",
            "dpo_office",
            "--expires",
            &expires,
        ],
    )?;
    let token = printed
        .lines()
        .last()
        .context("token create printed nothing")?
        .trim()
        .to_string();

    let api_subjects = scale.api_subjects();
    eprintln!(
        "[{name}] loading subjects {api_subjects}..{} through the store",
        scale.subjects
    );
    // On a server without autovacuum the bench analyses as autovacuum would during the load.
    let analyze = backend == Backend::Postgres
        && pg_scalar(&url, "SELECT current_setting('autovacuum')").await? == "off";
    let bulk = bulk(
        &url,
        analyze,
        &reg,
        &key,
        scale,
        api_subjects,
        scale.subjects,
    )
    .await?;
    eprintln!(
        "[{name}]   {} events in {:.0} s ({:.0}/s)",
        bulk.events,
        bulk.elapsed.as_secs_f64(),
        bulk.events as f64 / bulk.elapsed.as_secs_f64()
    );
    load_avg.push(("after the bulk load", load_average()));

    eprintln!("[{name}] grondslag serve");
    let args = [
        "--database".as_ref(),
        url.as_ref(),
        "--consent-key-file".as_ref(),
        key_file.as_os_str(),
    ];
    let (mut server, _) = Server::start(bin, &args, dir, Duration::from_secs(60)).await?;
    let mut memory = Vec::new();
    let (rss, hwm) = server_memory(&server);
    memory.push(("started", rss, hwm));
    let client = Arc::new(Client {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(600))
            .pool_max_idle_per_host(256)
            .build()?,
        base: server.base.clone(),
        token,
    });

    eprintln!("[{name}] waiting for the consent index to load");
    let index_load = wait_for_index(&client).await?;
    eprintln!(
        "[{name}]   {:.1} s: {}",
        index_load.as_secs_f64(),
        client.index_report().await?
    );
    let (rss, hwm) = server_memory(&server);
    memory.push(("index loaded", rss, hwm));

    eprintln!("[{name}] ingest: subjects 0..{api_subjects} through the API");
    let ingest = ingest(&client, &reg, &key, scale).await?;
    eprintln!(
        "[{name}]   {} events in {} requests, {:.1} s: {:.0} events/s",
        ingest.events,
        ingest.requests,
        ingest.elapsed.as_secs_f64(),
        ingest.events as f64 / ingest.elapsed.as_secs_f64()
    );
    let (rss, hwm) = server_memory(&server);
    memory.push(("after ingest", rss, hwm));
    load_avg.push(("after ingest", load_average()));

    let statistics = match backend {
        Backend::Sqlite => "as loaded (SQLite runs no ANALYZE)".to_string(),
        Backend::Postgres if analyze => format!(
            "ANALYZE of consent_events during the load at every 10% of growth; then {}",
            pg_statistics(&url).await?
        ),
        Backend::Postgres => pg_statistics(&url).await?,
    };
    eprintln!("[{name}] planner statistics: {statistics}");

    // The ingest leaves hundreds of megabytes for the kernel to write back (on SQLite also
    // the server's last checkpoint): flushed before decisions are timed, so each phase is
    // measured on its own.
    let flush = Instant::now();
    std::process::Command::new("sync").status()?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    eprintln!(
        "[{name}] flushed the ingest's writes: sync took {:.1} s, then 1 s",
        flush.elapsed().as_secs_f64() - 1.0
    );

    eprintln!("[{name}] single decisions, {} clients", scale.clients);
    let singles = singles(&client, &reg, &key, scale).await?;
    let closed = stats(&singles.closed);
    eprintln!(
        "[{name}]   closed loop {:.0}/s: p50 {:.2} / p99 {:.2} ms; paced {:.0}/s: p99 {:.2} ms",
        singles.closed.len() as f64 / singles.closed_elapsed.as_secs_f64(),
        closed.p50,
        closed.p99,
        singles.paced_rate,
        stats(&singles.paced).p99
    );
    let (rss, hwm) = server_memory(&server);
    memory.push(("after single decisions", rss, hwm));
    load_avg.push(("after single decisions", load_average()));

    eprintln!(
        "[{name}] batch decisions: {} streams of {} lines",
        scale.streams, scale.stream_lines
    );
    let batches = batches(&client, &reg, &key, scale).await?;
    eprintln!(
        "[{name}]   {} decisions in {:.1} s: {:.0}/s",
        batches.decisions,
        batches.elapsed.as_secs_f64(),
        batches.decisions as f64 / batches.elapsed.as_secs_f64()
    );
    let (rss, hwm) = server_memory(&server);
    memory.push(("after batch decisions", rss, hwm));
    load_avg.push(("after batch decisions", load_average()));

    eprintln!("[{name}] audience of {}", scale.audience);
    let audience = audience(&client, &reg, scale).await?;
    eprintln!(
        "[{name}]   {:.2} s: {}",
        audience.elapsed.as_secs_f64(),
        audience.report
    );
    let (rss, hwm) = server_memory(&server);
    memory.push(("after the audience", rss, hwm));
    load_avg.push(("after the audience", load_average()));
    let index = client.index_report().await?;
    server.stop();

    let database_mb = match backend {
        Backend::Sqlite => {
            let size = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            (size(dir.join("bench.db")) + size(dir.join("bench.db-wal"))) as f64 / 1e6
        }
        Backend::Postgres => {
            let bytes =
                pg_scalar(&url, "SELECT pg_database_size(current_database())::text").await?;
            bytes.parse::<f64>().unwrap_or(0.0) / 1e6
        }
    };
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
        bulk,
        ingest,
        statistics,
        singles,
        batches,
        audience,
        memory,
        index_load,
        index,
        database_mb,
        load_avg,
    })
}

/// Waits until the server's consent index has loaded (or given up: over its limit, failed);
/// how long that took from the server's start.
async fn wait_for_index(client: &Client) -> Result<Duration> {
    let started = Instant::now();
    loop {
        let state = client.index_report().await?["state"].clone();
        if state != "loading" {
            return Ok(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(900) {
            bail!("the consent index did not load within 15 minutes");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------------------------------------------------------------------------------------
// The report.

fn report_header(scale: &Scale, loopback: f64) {
    println!("## Results\n");
    println!(
        "Ledger: {} subjects, {} events generated ({:.1} a subject on average) over the demo register. \
         Machine: {} logical CPUs ({}), {:.0} GiB memory; the client runs on the same cores. \
         Loopback TCP, one stream, measured by the bench: {:.0} MB/s.\n",
        scale.subjects,
        scale.events,
        scale.mean(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model(),
        mem_total_gib(),
        loopback
    );
}

fn report(o: &Outcome, scale: &Scale) {
    println!("### {}\n", o.backend.name());
    println!("| Measure | Target | Result | Met |");
    println!("|---|---|---|---|");
    let ingest_rate = o.ingest.events as f64 / o.ingest.elapsed.as_secs_f64();
    let il = stats(&o.ingest.latencies);
    println!(
            "| ingest over HTTP (`POST /consent/events`, {} events a batch, {} clients) | ≥ 50,000 events/s | {:.0} events/s ({} events in {} requests, {:.1} s; a request p50 {:.0} / p99 {:.0} ms) | {} |",
            scale.batch, scale.ingest_clients, ingest_rate, o.ingest.events, o.ingest.requests,
            o.ingest.elapsed.as_secs_f64(), il.p50, il.p99, verdict(ingest_rate >= INGEST_TARGET)
        );
    println!(
            "| bulk load through the store (the rest of the ledger, {} events a batch) | – | {:.0} events/s ({} events, {:.0} s) | – |",
            scale.bulk_batch,
            o.bulk.events as f64 / o.bulk.elapsed.as_secs_f64(),
            o.bulk.events,
            o.bulk.elapsed.as_secs_f64()
        );
    let c = stats(&o.singles.closed);
    let closed_rate = o.singles.closed.len() as f64 / o.singles.closed_elapsed.as_secs_f64();
    println!(
            "| single decision, {} clients, closed loop ({} requests) | p99 < 5 ms | p50 {:.2} / p95 {:.2} / **p99 {:.2}** / max {:.1} ms at {:.0} decisions/s | {} |",
            scale.clients, c.n, c.p50, c.p95, c.p99, c.max, closed_rate, verdict(c.p99 < P99_TARGET_MS)
        );
    let p = stats(&o.singles.paced);
    println!(
            "| single decision, {} clients, paced at {} /s in total ({} requests) | p99 < 5 ms | p50 {:.2} / p95 {:.2} / **p99 {:.2}** / max {:.1} ms (achieved {:.0}/s) | {} |",
            scale.clients, scale.rate, p.n, p.p50, p.p95, p.p99, p.max, o.singles.paced_rate, verdict(p.p99 < P99_TARGET_MS)
        );
    let batch_rate = o.batches.decisions as f64 / o.batches.elapsed.as_secs_f64();
    println!(
            "| batch decisions, NDJSON, {} streams × {} lines | ≥ 500,000/s | {:.0}/s ({} in {:.1} s; {:.0} MB in, {:.0} MB out: {:.0} MB/s over loopback) | {} |",
            scale.streams, scale.stream_lines, batch_rate, o.batches.decisions, o.batches.elapsed.as_secs_f64(),
            o.batches.bytes_in as f64 / 1e6, o.batches.bytes_out as f64 / 1e6,
            (o.batches.bytes_in + o.batches.bytes_out) as f64 / 1e6 / o.batches.elapsed.as_secs_f64(),
            verdict(batch_rate >= BATCH_TARGET)
        );
    let removed = o.audience.report["removed"].to_string();
    println!(
            "| audience of {} identifiers, CSV in and out | < 3 s | **{:.2} s** ({:.0} MB in; {} allowed; removed {}) | {} |",
            o.audience.lines, o.audience.elapsed.as_secs_f64(), o.audience.bytes_in as f64 / 1e6,
            o.audience.report["allowed"], removed.replace('"', ""), verdict(o.audience.elapsed.as_secs_f64() < AUDIENCE_TARGET_S)
        );
    println!(
            "| decisions checked against the domain's `decide` | all equal | {} single, {} batch: all equal | met |",
            o.singles.checked, o.batches.checked
        );
    let memory: Vec<String> = o
        .memory
        .iter()
        .map(|(phase, rss, _)| format!("{phase} {:.0}", mb(*rss)))
        .collect();
    println!(
        "| server memory: VmRSS (MB) | bounded | {} | – |",
        memory.join(", ")
    );
    println!(
        "| server memory: peak VmHWM | bounded | {:.0} MB | – |",
        mb(o.memory.last().map_or(0, |m| m.2))
    );
    println!(
        "| consent index (`GET /consent/index`) | bounded | {}: {} subjects, {} events, {:.0} MB estimated (limit {:.0} MB); loaded in {:.1} s at start | – |",
        o.index["state"].as_str().unwrap_or("?"),
        o.index["subjects"],
        o.index["events"],
        o.index["bytes"].as_f64().unwrap_or(0.0) / 1048576.0,
        o.index["limit_bytes"].as_f64().unwrap_or(0.0) / 1048576.0,
        o.index_load.as_secs_f64()
    );
    println!("| database size | – | {:.0} MB | – |", o.database_mb);
    println!("| planner statistics | – | {} | – |", o.statistics);
    let loads: Vec<String> = o
        .load_avg
        .iter()
        .map(|(phase, l)| format!("{phase}: {l}"))
        .collect();
    println!(
        "| load average (1, 5, 15 min) | – | {} | – |",
        loads.join("; ")
    );
    println!();
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("model name")?
                    .split(':')
                    .nth(1)
                    .map(|m| m.trim().to_string())
            })
        })
        .unwrap_or_else(|| "?".into())
}

fn mem_total_gib() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("MemTotal:")?
                    .split_whitespace()
                    .next()?
                    .parse::<f64>()
                    .ok()
            })
        })
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0)
}

// ---------------------------------------------------------------------------------------

/// `cargo test --benches`: 300 generated subjects go into a SQLite store through
/// `record_consent_events`, and the store's decision rows give the domain's answers.
async fn smoke() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Store::connect(&format!(
        "sqlite://{}",
        dir.path().join("smoke.db").display()
    ))
    .await?;
    let value: Value = serde_json::from_str(REGISTER)?;
    let doc = grondslag_domain::interchange::parse(&value)
        .map_err(|e| anyhow::anyhow!("the demo register: {e}"))?;
    store.import("cli:bench", &doc).await?;
    let reg = Register::demo()?;
    let key = PseudonymKey::new(&secret())?;
    let notices = notices();
    let subjects = 300;
    let scale = Scale {
        subjects,
        events: subjects * 5,
        ..Scale::small()
    };
    let mut events = Vec::new();
    for i in 0..subjects {
        events.extend(history(&reg, &notices, &key, i, scale.mean()));
    }
    store
        .record_consent_events("system:bench", &notices, &events)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut rng = Lcg::new(5);
    let asked: Vec<(usize, usize)> = (0..500)
        .map(|_| question(&mut rng, &reg, subjects))
        .collect();
    let keys: Vec<SubjectKey> = asked
        .iter()
        .map(|(i, _)| {
            let (kind, raw) = identifier(*i);
            key.subject_key(&SubjectId::parse(kind, &raw).expect("parses"))
        })
        .collect();
    let ledgers = store.consent_ledgers(&keys).await?;
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, a) in &asked {
        let (kind, raw) = identifier(*i);
        let k = key.subject_key(&SubjectId::parse(kind, &raw).expect("parses"));
        let (id, needs) = &reg.all[*a];
        let got = decide(ledgers.of(&k), needs, Target::Activity(id), Utc::now())
            .reason
            .machine_name();
        ensure!(
            got == expected(&reg, &notices, &key, &scale, *i, *a),
            "subject {i}"
        );
        *reasons.entry(got).or_default() += 1;
    }
    store.close().await;
    println!(
        "consent bench: {} generated events recorded; decisions agree with the domain ({reasons:?}); run `cargo bench -p grondslag --bench consent` to measure",
        events.len()
    );
    Ok(())
}

fn main() -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // `cargo test --benches` runs bench targets without `--bench`: a small check only.
    if !std::env::args().any(|a| a == "--bench") {
        return rt.block_on(smoke());
    }
    let scale = Scale {
        subjects: env_usize("GRONDSLAG_BENCH_SUBJECTS", 2_000_000)?,
        events: env_usize("GRONDSLAG_BENCH_EVENTS", 10_000_000)?,
        api_events: env_usize("GRONDSLAG_BENCH_API_EVENTS", 1_000_000)?,
        bulk_batch: env_usize("GRONDSLAG_BENCH_BULK_BATCH", 50_000)?,
        batch: env_usize("GRONDSLAG_BENCH_BATCH", 4_000)?,
        ingest_clients: env_usize("GRONDSLAG_BENCH_INGEST_CLIENTS", 2)?,
        clients: env_usize("GRONDSLAG_BENCH_CLIENTS", 64)?,
        decisions: env_usize("GRONDSLAG_BENCH_DECISIONS", 50_000)?,
        rate: env_usize("GRONDSLAG_BENCH_RATE", 2_000)?,
        paced_secs: env_usize("GRONDSLAG_BENCH_PACED_SECS", 15)? as u64,
        streams: env_usize("GRONDSLAG_BENCH_STREAMS", 4)?,
        stream_lines: env_usize("GRONDSLAG_BENCH_STREAM_LINES", 500_000)?,
        audience: env_usize("GRONDSLAG_BENCH_AUDIENCE", 1_000_000)?,
    };
    ensure!(
        scale.subjects > 0 && scale.events >= scale.subjects,
        "GRONDSLAG_BENCH_EVENTS must be at least GRONDSLAG_BENCH_SUBJECTS"
    );
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
    let bin = binary()?;
    let dir = tempfile::Builder::new()
        .prefix("grondslag-bench-consent-")
        .tempdir()?;
    let loopback = loopback_mb_s()?;
    eprintln!("loopback: {loopback:.0} MB/s");
    report_header(&scale, loopback);
    for backend in backends {
        let sub = dir.path().join(backend.name().to_lowercase());
        std::fs::create_dir_all(&sub)?;
        let outcome = rt.block_on(bench_backend(
            backend,
            &bin,
            pg_url.as_deref(),
            &scale,
            keep,
            &sub,
        ))?;
        // Each backend's table as soon as it is measured; the SQLite file (over 20 GB with its
        // WAL at full scale) goes before the next backend loads.
        report(&outcome, &scale);
        if !keep {
            std::fs::remove_dir_all(&sub)?;
        }
    }
    if keep {
        let kept = dir.keep();
        eprintln!("kept {}", kept.display());
    }
    Ok(())
}
