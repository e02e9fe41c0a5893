//! Test servers that run on Node.js, on loopback: the SMTP server of the e-mail tests
//! (tests/smtp-server/). Like the OpenID provider of the SSO test (oidc.rs), their npm
//! packages are installed with `npm ci` when missing (`.ci/run` does it beforehand), and
//! without Node.js a test cannot run: under CI that fails it, elsewhere it says so.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Whether Node.js is there and the packages of `dir` are installed (installing them when
/// `node_modules/{package}` is missing). `what` names the test for the skip note.
pub fn ready(dir: &Path, package: &str, what: &str) -> bool {
    if Command::new("node").arg("--version").output().is_err() {
        assert!(!in_ci(), "Node.js is needed for {what}");
        eprintln!("SKIPPED: {what} needs Node.js (node and npm on PATH)");
        return false;
    }
    if !dir.join("node_modules").join(package).exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .status()
            .expect("npm runs");
        assert!(status.success(), "npm ci in {} failed", dir.display());
    }
    true
}

/// One message as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The From header, as `"Name" <address>`.
    pub from: String,
    /// The envelope's recipients.
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
}

/// A real SMTP server (the `smtp-server` and `mailparser` packages) on a free loopback port,
/// writing what it receives to a file; stopped when dropped, however the test ends.
pub struct SmtpServer {
    child: Child,
    port: u16,
    out: tempfile::NamedTempFile,
    // Kept open so the server's writes to standard output never fail.
    _stdout: BufReader<ChildStdout>,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smtp_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp-server")
}

impl SmtpServer {
    /// Starts the server and waits for the line that says it listens; `None` when Node.js
    /// is missing outside CI.
    pub fn start() -> Option<SmtpServer> {
        let dir = smtp_dir();
        if !ready(&dir, "smtp-server", "the e-mail tests") {
            return None;
        }
        let out = tempfile::NamedTempFile::new().unwrap();
        let mut child = Command::new("node")
            .arg("server.mjs")
            .arg("0")
            .arg(out.path())
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let port = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!("the SMTP server did not start: {line:?}")
            });
        Some(SmtpServer {
            child,
            port,
            out,
            _stdout: stdout,
        })
    }

    /// `smtp://127.0.0.1:PORT`, for `--smtp-url`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, oldest first. A message is written before the server
    /// answers the sender, so one that was sent is here.
    pub fn messages(&self) -> Vec<Received> {
        let text = std::fs::read_to_string(self.out.path()).unwrap();
        text.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
                Received {
                    from: s("from"),
                    to: v["to"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| a.as_str().unwrap().to_string())
                        .collect(),
                    subject: s("subject"),
                    text: s("text"),
                }
            })
            .collect()
    }
}
