//! The compliance engine's speed (issue: checking 10,000 activities under 1 s; checking one
//! changed activity in the live server under 10 ms).
//!
//! Builds a register of 10,000 activities from the demo university's 61 (each copied with a
//! new id, so the mix of clean and planted problems is the demo's), then measures:
//! 1. `check_register` over all of them, in this process (median of 7 runs);
//! 2. over HTTP on a real server on 127.0.0.1 with a SQLite database: a changed activity's
//!    findings, `PUT` then `GET /api/v1/activities/{id}/findings`, 200 times (p50, p95).
//!
//! Run: `cargo bench -p grondslag --bench check`.

use grondslag_domain::access::{Grant, Role};
use grondslag_domain::interchange;
use grondslag_domain::rules::{check_register, Context};
use grondslag_domain::transfers::TransferRules;
use std::time::Instant;

const DEMO: &str = include_str!("../src/demo/university.json");
const N: usize = 10_000;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let value: serde_json::Value = serde_json::from_str(DEMO).unwrap();
    let mut doc = interchange::parse(&value).expect("the demo parses");
    let base = doc.activities.clone();
    doc.activities = (0..N)
        .map(|i| {
            let mut a = base[i % base.len()].clone();
            a.id = format!("{:08x}-0000-4000-8000-{:012x}", i, i);
            a.activity.name = format!("{} ({i})", a.activity.name);
            a.history.clear();
            a
        })
        .collect();
    let transfers = TransferRules::builtin();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let ctx = Context::new(today, &doc.processors, &transfers);

    let mut runs = Vec::new();
    let mut findings = 0;
    for _ in 0..7 {
        let t = Instant::now();
        findings = check_register(&ctx, &doc.activities).len();
        runs.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    runs.sort_by(f64::total_cmp);
    println!("check_register, {N} activities: median {:.1} ms (min {:.1}, max {:.1}); {findings} findings", runs[3], runs[0], runs[6]);

    // The live server.
    let dir = tempfile::tempdir().unwrap();
    let store = grondslag_store::Store::connect(&format!(
        "sqlite://{}",
        dir.path().join("check.db").display()
    ))
    .await
    .unwrap();
    store.import("cli:bench", &doc).await.unwrap();
    store
        .create_user(
            "cli:bench",
            "fg",
            "FG",
            "Vergaderzaal-Noord-2026!",
            &[Grant {
                role: Role::Dpo,
                unit: None,
            }],
        )
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let app = grondslag_web::app(grondslag_web::AppState::new(
        store.clone(),
        false,
        transfers.clone(),
    ));
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap()
    });
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let res = client
        .post(format!("{base_url}/api/v1/session"))
        .json(&serde_json::json!({"username": "fg", "password": "Vergaderzaal-Noord-2026!"}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());

    let mut put_ms = Vec::new();
    let mut check_ms = Vec::new();
    // Retired activities are final; change the others.
    let editable: Vec<_> = doc
        .activities
        .iter()
        .filter(|a| a.status.is_editable())
        .collect();
    for i in 0..200 {
        let record = editable[(i * 37) % editable.len()];
        let mut changed = serde_json::to_value(&record.activity).unwrap();
        changed["description"] = serde_json::json!(format!("Gewijzigd in ronde {i}"));
        let t = Instant::now();
        let res = client
            .put(format!("{base_url}/api/v1/activities/{}", record.id))
            .json(&changed)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.status());
        put_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let res = client
            .get(format!(
                "{base_url}/api/v1/activities/{}/findings",
                record.id
            ))
            .send()
            .await
            .unwrap();
        let _ = res.bytes().await.unwrap();
        check_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    put_ms.sort_by(f64::total_cmp);
    check_ms.sort_by(f64::total_cmp);
    println!(
        "findings of a changed activity over HTTP (SQLite, {N} activities): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        percentile(&check_ms, 0.5),
        percentile(&check_ms, 0.95),
        check_ms[check_ms.len() - 1]
    );
    println!(
        "saving the change (PUT) before it: p50 {:.2} ms, p95 {:.2} ms",
        percentile(&put_ms, 0.5),
        percentile(&put_ms, 0.95)
    );
}
