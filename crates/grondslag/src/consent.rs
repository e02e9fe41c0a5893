//! `grondslag consent …`: the consent ledger from the command line (`docs/consent.md`), and
//! the secret for subject keys (`--consent-key-file`), which `serve` reads too.
//!
//! - `consent decide --identifier KIND:VALUE --activity ID [--at RFC3339]` prints the decision
//!   and its reason; it exits 0 whether the answer is allowed or denied.
//! - `consent import FILE` records NDJSON events (the API's item format, identifiers in clear),
//!   all of them or, when any is invalid, none; every error is printed with its path.

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use grondslag_domain::consent::{
    decide, ActivityConsentNeeds, IdentifierKind, PseudonymKey, SubjectId, Target, MIN_SECRET_LEN,
};
use grondslag_domain::vocab::Term;
use grondslag_domain::Lang;
use std::path::{Path, PathBuf};

/// The secret for the consent ledger's subject keys.
#[derive(Args, Clone)]
pub struct KeyArg {
    /// A file with the secret for the consent ledger's subject keys: at least 32 random bytes,
    /// raw or as hex (`head -c 32 /dev/urandom > FILE`). Keep it and back it up apart from the
    /// database: without it the recorded subjects cannot be found again.
    #[arg(long = "consent-key-file", env = "GRONDSLAG_CONSENT_KEY_FILE")]
    pub key_file: Option<PathBuf>,
}

/// Reads the secret: hex text (at least 64 hex digits, surrounding white space ignored) or
/// raw bytes.
pub fn load_key(path: &Path) -> Result<PseudonymKey> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the consent key file {}", path.display()))?;
    let text = std::str::from_utf8(&bytes).map(str::trim).unwrap_or("");
    let secret = if text.len() >= 2 * MIN_SECRET_LEN
        && text.len().is_multiple_of(2)
        && text.bytes().all(|b| b.is_ascii_hexdigit())
    {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("checked to be hex"))
            .collect()
    } else {
        bytes
    };
    PseudonymKey::new(&secret).with_context(|| {
        format!(
            "{}: make one with `head -c 32 /dev/urandom > {}`",
            path.display(),
            path.display()
        )
    })
}

impl KeyArg {
    pub fn require(&self) -> Result<PseudonymKey> {
        match &self.key_file {
            Some(f) => load_key(f),
            None => bail!(
                "the consent ledger needs its secret: give --consent-key-file FILE or set GRONDSLAG_CONSENT_KEY_FILE (docs/configuration.md, \"Consent ledger key\")"
            ),
        }
    }
}

#[derive(Subcommand)]
pub enum ConsentCommand {
    /// May this subject's data be processed for this activity now (or at --at)? Prints the
    /// decision and its reason; exits 0 either way.
    Decide {
        #[command(flatten)]
        db: crate::Db,
        #[command(flatten)]
        key: KeyArg,
        /// The subject: email:ADDRESS, phone:NUMBER, student_number:NUMBER or staff_number:NUMBER.
        #[arg(long)]
        identifier: String,
        /// The activity's id.
        #[arg(long)]
        activity: String,
        /// The moment asked about (RFC 3339); default now.
        #[arg(long)]
        at: Option<DateTime<Utc>>,
    },
    /// Record the events of an NDJSON file (one event a line, with "identifier" in clear):
    /// all of them, or none when any is invalid.
    Import {
        #[command(flatten)]
        db: crate::Db,
        #[command(flatten)]
        key: KeyArg,
        file: PathBuf,
    },
}

pub async fn run(command: ConsentCommand) -> Result<()> {
    match command {
        ConsentCommand::Decide {
            db,
            key,
            identifier,
            activity,
            at,
        } => {
            let key = key.require()?;
            let Some((kind, value)) = identifier.split_once(':') else {
                bail!("--identifier is KIND:VALUE, e.g. email:jan@uni.nl");
            };
            let kind: IdentifierKind = kind.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
            // The message repeats the identifier to the user who typed it; it is not logged.
            let id = SubjectId::parse(kind, value).map_err(|e| anyhow::anyhow!("{e}"))?;
            let now = Utc::now();
            let at = at.unwrap_or(now);
            if at > now {
                bail!("--at {} is in the future", at.to_rfc3339());
            }
            let store = crate::open(&db).await?;
            let record = store.activity(&activity).await?;
            let subject = key.subject_key(&id);
            let events = store.consent_events_of(&subject).await?;
            let d = decide(
                &events,
                &ActivityConsentNeeds::from_activity(&record.activity),
                Target::Activity(&activity),
                at,
            );
            println!(
                "{}: {} ({})",
                if d.allowed { "allowed" } else { "denied" },
                d.reason.machine_name(),
                d.reason.label(Lang::En)
            );
            println!("activity: {} ({})", record.activity.name, activity);
            println!("at: {}", at.to_rfc3339());
            println!("subject key: {subject}");
            if let Some(since) = d.since {
                println!("since: {}", since.to_rfc3339());
            }
            for i in d.deciding_events.iter() {
                let e = &events[i];
                println!(
                    "deciding event: {} {} at {}",
                    e.id,
                    e.event.event_type().machine_name(),
                    e.event.at.to_rfc3339()
                );
            }
            Ok(())
        }
        ConsentCommand::Import { db, key, file } => {
            let key = key.require()?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let mut items = Vec::new();
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str(line) {
                    Ok(v) => items.push(v),
                    Err(e) => bail!("{}: line {} is not JSON: {e}", file.display(), n + 1),
                }
            }
            let actor = crate::cli_actor();
            let user = actor.trim_start_matches("cli:");
            let by = grondslag_web::recorded_by_default(user);
            let events = match grondslag_web::parse_event_items(&key, items, &by, Utc::now()) {
                Ok(e) => e,
                Err(errors) => return rejected(&file, &errors),
            };
            let store = crate::open(&db).await?;
            match store.record_consent_events(&actor, &[], &events).await {
                Ok(r) => {
                    println!("{}: recorded {} event(s)", file.display(), r.ids.len());
                    Ok(())
                }
                Err(grondslag_store::StoreError::Invalid(errors)) => rejected(&file, &errors),
                Err(e) => Err(e.into()),
            }
        }
    }
}

/// Paths are `items[i]` for the i-th event of the file (0-based, blank lines skipped).
fn rejected(file: &Path, errors: &grondslag_domain::ValidationErrors) -> Result<()> {
    for e in errors.iter() {
        eprintln!("{}: {}: {}", file.display(), e.path, e.message);
    }
    bail!(
        "{}: rejected, nothing recorded: {} error(s)",
        file.display(),
        errors.len()
    )
}
