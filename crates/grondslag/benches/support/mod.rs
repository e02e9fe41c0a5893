//! What the benches share: finding the release binary, PostgreSQL databases of their own,
//! a free port, the server and its memory from /proc, and the report's cells. Each bench
//! (`register`, `requests`, `consent`) includes this module with `mod support;`.

use anyhow::{bail, Context, Result};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `url` with its database replaced by `db`.
pub fn with_database(url: &str, db: &str) -> Result<String> {
    let start = url.find("://").context("a postgres:// URL")? + 3;
    let (base, query) = url.split_at(url.find('?').unwrap_or(url.len()));
    let host_end = base[start..].find('/').map_or(base.len(), |i| start + i);
    Ok(format!("{}/{db}{query}", &base[..host_end]))
}

/// Runs statements one by one (`CREATE DATABASE` cannot share a transaction).
pub async fn pg_admin(url: &str, statements: &[&str]) -> Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .with_context(|| format!("connecting to {url}"))?;
    for sql in statements {
        sqlx::raw_sql(sql)
            .execute(&mut conn)
            .await
            .with_context(|| sql.to_string())?;
    }
    conn.close().await?;
    Ok(())
}

/// A field of /proc/PID/status in kB (VmRSS, VmHWM).
pub fn proc_status_kb(pid: u32, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

pub fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

pub fn binary() -> Result<PathBuf> {
    let path = match std::env::var_os("GRONDSLAG_BENCH_BIN") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release/grondslag"),
    };
    if !path.is_file() {
        bail!(
            "the release binary {} is missing: build it first with `cargo build --release -p grondslag` \
             (or point GRONDSLAG_BENCH_BIN at a grondslag binary)",
            path.display()
        );
    }
    let built = std::fs::metadata(&path)?.modified()?;
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if let Some(newer) = newest_source(&crates).filter(|(t, _)| *t > built) {
        eprintln!(
            "warning: {} is newer than {}; rebuild with `cargo build --release -p grondslag` to measure the current code",
            newer.1.display(),
            path.display()
        );
    }
    Ok(path.canonicalize()?)
}

fn newest_source(dir: &Path) -> Option<(std::time::SystemTime, PathBuf)> {
    let mut newest: Option<(std::time::SystemTime, PathBuf)> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "benches" || name == "tests" || name == "target" {
            continue;
        }
        let found = if path.is_dir() {
            newest_source(&path)
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("rs" | "sql" | "html" | "ftl" | "toml")
        ) {
            entry.metadata().ok()?.modified().ok().map(|t| (t, path))
        } else {
            None
        };
        if let Some(f) = found {
            if newest.as_ref().is_none_or(|n| f.0 > n.0) {
                newest = Some(f);
            }
        }
    }
    newest
}

pub fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**not met**"
    }
}

pub fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

pub fn env_usize(key: &str, default: usize) -> Result<usize> {
    match std::env::var(key) {
        Ok(v) => v
            .parse()
            .with_context(|| format!("{key}={v} is not a number")),
        Err(_) => Ok(default),
    }
}

/// The `grondslag serve` a bench measures: on a free port, its log in `dir`, killed when
/// dropped.
pub struct Server {
    child: Child,
    pub base: String,
    log: PathBuf,
}

impl Server {
    /// Starts `bin serve ARGS --listen 127.0.0.1:PORT` and waits until /healthz answers, at
    /// most `wait`; how long that took. The log holds warnings and errors only.
    pub async fn start(
        bin: &Path,
        args: &[&OsStr],
        dir: &Path,
        wait: Duration,
    ) -> Result<(Server, Duration)> {
        let port = free_port()?;
        let log = dir.join("serve.log");
        let t = Instant::now();
        let child = Command::new(bin)
            .arg("serve")
            .args(args)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .context("starting grondslag serve")?;
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        let probe = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "grondslag serve exited ({status}):\n{}",
                    std::fs::read_to_string(&server.log).unwrap_or_default()
                );
            }
            if let Ok(res) = probe.get(format!("{}/healthz", server.base)).send().await {
                if res.status() == 200 {
                    break;
                }
            }
            if t.elapsed() > wait {
                server.stop();
                bail!(
                    "grondslag serve did not answer /healthz within {} s",
                    wait.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok((server, t.elapsed()))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
