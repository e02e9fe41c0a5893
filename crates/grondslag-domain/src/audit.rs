//! The audit chain's maths (SEC-3): every entry holds the hash of the one before it, so an
//! entry that is altered, removed or moved breaks the chain at a place that can be named.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Position in the chain: 1, 2, 3, ... without gaps.
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// Who did it: `user:<username>`, `cli:<os user>`, or `system:<task>` for what the
    /// product does by itself (loading the demo).
    pub actor: String,
    /// What was done, e.g. `activity.create`, `activity.transition`, `register.import`.
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// The entity as JSON before and after the change.
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields of an entry that the hash covers.
pub struct EntryContent<'a> {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// Timestamps enter the hash with microsecond precision, the finest both databases keep.
pub fn canonical_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// SHA-256 over the previous hash and every field, each length-prefixed so that no two
/// different entries hash the same bytes.
pub fn entry_hash(prev_hash: &str, c: &EntryContent<'_>) -> String {
    let mut h = Sha256::new();
    let mut field = |s: Option<&str>| match s {
        None => h.update(b"-\n"),
        Some(s) => {
            h.update(s.len().to_string().as_bytes());
            h.update(b":");
            h.update(s.as_bytes());
            h.update(b"\n");
        }
    };
    field(Some(prev_hash));
    field(Some(&c.seq.to_string()));
    field(Some(&canonical_time(c.at)));
    field(Some(c.actor));
    field(Some(c.action));
    field(Some(c.entity));
    field(Some(c.entity_id));
    field(c.before);
    field(c.after);
    hex::encode(h.finalize())
}

impl AuditEntry {
    pub fn content(&self) -> EntryContent<'_> {
        EntryContent {
            seq: self.seq,
            at: self.at,
            actor: &self.actor,
            action: &self.action,
            entity: &self.entity,
            entity_id: &self.entity_id,
            before: self.before.as_deref(),
            after: self.after.as_deref(),
        }
    }
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {seq} was altered: its content does not match its hash")]
    Altered { seq: i64 },
    #[error("entry {expected} is missing (the next entry found is {found})")]
    Missing { expected: i64, found: i64 },
    #[error("entry {seq} does not follow the entry before it: entries were removed, reordered or replaced")]
    BrokenLink { seq: i64 },
    #[error("the chain ends at entry {last} but the recorded head is entry {head}: entries were removed from the end")]
    Truncated { last: i64, head: i64 },
}

/// A running check over entries in `seq` order, so a long chain needs no memory.
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
        }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        if e.seq != self.expected_seq {
            return Err(ChainBreak::Missing {
                expected: self.expected_seq,
                found: e.seq,
            });
        }
        if entry_hash(&e.prev_hash, &e.content()) != e.hash {
            return Err(ChainBreak::Altered { seq: e.seq });
        }
        if e.prev_hash != self.prev_hash {
            return Err(ChainBreak::BrokenLink { seq: e.seq });
        }
        self.expected_seq += 1;
        self.prev_hash = e.hash.clone();
        Ok(())
    }

    /// Compares the end of the chain with the head the store recorded.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let last = self.expected_seq - 1;
        if last != head_seq {
            return Err(ChainBreak::Truncated {
                last,
                head: head_seq,
            });
        }
        if self.prev_hash != head_hash {
            return Err(ChainBreak::BrokenLink { seq: last });
        }
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn chain(n: usize) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n as i64)
            .map(|seq| {
                let at = Utc.timestamp_opt(1_700_000_000 + seq, 0).unwrap();
                let after = format!("{{\"n\":{seq}}}");
                let c = EntryContent {
                    seq,
                    at,
                    actor: "user:fg",
                    action: "activity.update",
                    entity: "activity",
                    entity_id: "a1",
                    before: None,
                    after: Some(&after),
                };
                let hash = entry_hash(&prev, &c);
                let e = AuditEntry {
                    seq,
                    at,
                    actor: c.actor.into(),
                    action: c.action.into(),
                    entity: c.entity.into(),
                    entity_id: c.entity_id.into(),
                    before: None,
                    after: Some(after.clone()),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    fn verify(entries: &[AuditEntry], head: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for e in entries {
            v.push(e)?;
        }
        v.finish(head, head_hash)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, 5, &c[4].hash), Ok(5));
        assert_eq!(verify(&[], 0, GENESIS_HASH), Ok(0));
    }

    #[test]
    fn tampering_is_named() {
        let c = chain(5);
        let mut altered = c.clone();
        altered[2].actor = "user:someone-else".into();
        assert_eq!(
            verify(&altered, 5, &c[4].hash),
            Err(ChainBreak::Altered { seq: 3 })
        );

        let mut removed = c.clone();
        removed.remove(1);
        assert_eq!(
            verify(&removed, 5, &c[4].hash),
            Err(ChainBreak::Missing {
                expected: 2,
                found: 3
            })
        );

        assert_eq!(
            verify(&c[..4], 5, &c[4].hash),
            Err(ChainBreak::Truncated { last: 4, head: 5 })
        );

        // Swapping two entries and renumbering them still breaks the links.
        let mut swapped = c.clone();
        swapped.swap(1, 2);
        swapped[1].seq = 2;
        swapped[2].seq = 3;
        assert!(matches!(
            verify(&swapped, 5, &c[4].hash),
            Err(ChainBreak::Altered { seq: 2 })
        ));
    }

    proptest! {
        #[test]
        fn any_single_field_change_is_detected(idx in 0usize..8, field in 0usize..4, text in "[a-z]{1,8}") {
            let c = chain(8);
            let mut t = c.clone();
            match field {
                0 => t[idx].actor.push_str(&text),
                1 => t[idx].action.push_str(&text),
                2 => t[idx].entity_id.push_str(&text),
                _ => t[idx].after = Some(text.clone()),
            }
            prop_assert_eq!(verify(&t, 8, &c[7].hash), Err(ChainBreak::Altered { seq: idx as i64 + 1 }));
        }
    }
}
