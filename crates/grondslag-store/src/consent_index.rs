//! The consent ledger's decision rows in memory (issue 5; `docs/consent.md`, "Decisions
//! from memory"). Other systems ask the ledger many times a second; answering from memory
//! takes the database out of a decision. The database stays the record: the index is built
//! from it at start and follows it, and every answer can be re-derived from the table.
//!
//! - Loading: `grondslag serve` starts it ([`Store::start_consent_index`]); it reads the
//!   events in the order recorded, a page at a time, in the background. Until it has read
//!   them all, decisions come from the database as before.
//! - Following: events are read in the order of `seq`. Every write holds the audit chain's
//!   head until it commits ([`crate::audit`]), so events commit in the order of their `seq`
//!   and "every event after the last one read" misses none. Before answering, a decision
//!   checks [`Store::generation`]; when it has moved (a write of this process, or of another
//!   one seen by [`Store::watch_changes`]) the index reads what was recorded since.
//! - Bounded: the memory it takes is estimated as it grows; over the limit it lets go of
//!   everything and decisions come from the database again, with a warning in the log.
//!   [`Store::consent_index_report`] says which, for the health page and the benchmark.

use crate::consent::{recorded_after, KeyedRow, LedgerRow, Ledgers, Written};
use crate::db::{Reader, Tx};
use crate::{Result, Store};
use grondslag_domain::consent::SubjectKey;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{PoisonError, RwLock};

/// Shards, each behind its own lock: a catch-up writes one shard at a time while decisions
/// read the others, and no single table is ever rehashed whole.
const SHARDS: usize = 64;
/// Events read a query while loading and catching up. Small enough that a page's text (about
/// 200 bytes an event) is freed back to the system rather than kept by the allocator.
const PAGE: i64 = 10_000;

/// The index's state, as [`ConsentIndexReport::state`] names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IndexState {
    /// Not started: decisions come from the database (the CLI, tests).
    Off,
    Loading,
    Ready,
    /// Let go of: the ledger needs more memory than the limit allows.
    OverLimit,
    /// Loading or catching up failed; see the log.
    Failed,
}

impl IndexState {
    fn from_u8(v: u8) -> IndexState {
        match v {
            1 => IndexState::Loading,
            2 => IndexState::Ready,
            3 => IndexState::OverLimit,
            4 => IndexState::Failed,
            _ => IndexState::Off,
        }
    }
}

/// What the index holds and what it costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct ConsentIndexReport {
    pub state: IndexState,
    pub subjects: usize,
    pub events: usize,
    /// Estimated bytes held: the events, the tables' buckets and the allocator's share.
    pub bytes: usize,
    pub limit_bytes: usize,
}

/// Subject keys are HMAC-SHA256 outputs, uniformly spread: eight of their bytes are already a
/// good hash, and SipHash over all 32 cost more than the lookup itself.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

/// Hash maps keyed by [`SubjectKey`] build their hasher with this.
pub(crate) type KeyHash = BuildHasherDefault<KeyHasher>;

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // `[u8; 32]` hashes its length first (`write_usize`), then its bytes in one call.
        if let Some(b) = bytes.get(..8) {
            self.0 = u64::from_le_bytes(b.try_into().expect("eight bytes"));
        }
    }

    fn write_usize(&mut self, _: usize) {}
}

type Shard = HashMap<SubjectKey, Box<[LedgerRow]>, KeyHash>;

/// Bytes a subject costs besides its events: its key and slice in the table (with the
/// table's spare room and control byte) and the allocator's header of its slice.
const SUBJECT_BYTES: usize =
    (size_of::<SubjectKey>() + size_of::<Box<[LedgerRow]>>()) * 8 / 7 + 1 + 16;

pub(crate) struct ConsentIndex {
    shards: Box<[RwLock<Shard>]>,
    /// The last `seq` read; held while catching up, so one catch-up runs at a time.
    read_up_to: tokio::sync::Mutex<i64>,
    /// The [`Store::generation`] the index was last brought up to date at.
    generation: AtomicU64,
    state: AtomicU8,
    subjects: AtomicUsize,
    events: AtomicUsize,
    limit_bytes: AtomicUsize,
}

impl Default for ConsentIndex {
    fn default() -> Self {
        ConsentIndex {
            shards: (0..SHARDS).map(|_| RwLock::default()).collect(),
            read_up_to: tokio::sync::Mutex::new(0),
            generation: AtomicU64::new(0),
            state: AtomicU8::new(IndexState::Off as u8),
            subjects: AtomicUsize::new(0),
            events: AtomicUsize::new(0),
            limit_bytes: AtomicUsize::new(0),
        }
    }
}

impl std::fmt::Debug for ConsentIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsentIndex")
            .field("state", &self.state())
            .field("subjects", &self.subjects.load(Ordering::Relaxed))
            .field("events", &self.events.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

fn shard_of(key: &SubjectKey) -> usize {
    // A byte the hasher does not use.
    key.as_bytes()[31] as usize % SHARDS
}

impl ConsentIndex {
    fn state(&self) -> IndexState {
        IndexState::from_u8(self.state.load(Ordering::Acquire))
    }

    fn set_state(&self, s: IndexState) {
        self.state.store(s as u8, Ordering::Release);
    }

    fn bytes(&self) -> usize {
        self.events.load(Ordering::Relaxed) * size_of::<LedgerRow>()
            + self.subjects.load(Ordering::Relaxed) * SUBJECT_BYTES
    }

    fn shard(&self, key: &SubjectKey) -> std::sync::RwLockReadGuard<'_, Shard> {
        self.shards[shard_of(key)]
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The subject's rows in time order, ties in the order recorded.
    pub(crate) fn rows_of(&self, key: &SubjectKey) -> Vec<LedgerRow> {
        self.shard(key)
            .get(key)
            .map(|r| r.to_vec())
            .unwrap_or_default()
    }

    /// The rows of many subjects.
    pub(crate) fn ledgers_of(&self, keys: &[SubjectKey]) -> Ledgers {
        let mut out = Ledgers::default();
        for key in keys {
            if out.has(key) {
                continue;
            }
            if let Some(rows) = self.shard(key).get(key) {
                out.push(*key, rows);
            }
        }
        out
    }

    /// Takes in rows read in the order recorded: each goes after its subject's rows of the
    /// same time or earlier, so ties keep the order recorded.
    fn apply(&self, rows: Vec<KeyedRow>) {
        let mut by_shard: Vec<Vec<KeyedRow>> = (0..SHARDS).map(|_| Vec::new()).collect();
        for r in rows {
            by_shard[shard_of(&r.subject)].push(r);
        }
        let (mut subjects, mut events) = (0, 0);
        for (shard, rows) in self.shards.iter().zip(by_shard) {
            if rows.is_empty() {
                continue;
            }
            // A subject's new rows together (a stable sort keeps the order recorded), so its
            // slice is allocated once a page, not once an event.
            let mut rows = rows;
            rows.sort_by_key(|r| r.subject);
            let mut shard = shard.write().unwrap_or_else(PoisonError::into_inner);
            for group in rows.chunk_by(|a, b| a.subject == b.subject) {
                let slot = shard.entry(group[0].subject).or_insert_with(|| {
                    subjects += 1;
                    Box::new([])
                });
                let mut v = Vec::with_capacity(slot.len() + group.len());
                v.extend_from_slice(slot);
                for r in group {
                    let at = v.partition_point(|x| x.at <= r.row.at);
                    v.insert(at, r.row);
                }
                events += group.len();
                *slot = v.into_boxed_slice();
            }
        }
        self.subjects.fetch_add(subjects, Ordering::Relaxed);
        self.events.fetch_add(events, Ordering::Relaxed);
    }

    /// Reads what was recorded after `read_up_to`; false when the index went over its limit
    /// and let go.
    async fn catch_up(&self, reader: &mut Reader<'_>, read_up_to: &mut i64) -> Result<bool> {
        loop {
            let rows = recorded_after(reader, *read_up_to, PAGE).await?;
            let n = rows.len();
            if let Some(last) = rows.last() {
                *read_up_to = last.seq;
            }
            self.apply(rows);
            if !self.within_limit() {
                return Ok(false);
            }
            if (n as i64) < PAGE {
                return Ok(true);
            }
        }
    }

    /// Whether the index still fits its limit; over it, it lets go of everything.
    fn within_limit(&self) -> bool {
        let limit = self.limit_bytes.load(Ordering::Relaxed);
        if self.bytes() <= limit {
            return true;
        }
        self.set_state(IndexState::OverLimit);
        self.clear();
        tracing::warn!(
            limit_megabytes = limit >> 20,
            "the consent ledger needs more memory than the consent index may take; \
             decisions come from the database (raise --consent-index-memory)"
        );
        false
    }

    /// Takes in the rows a write of this process has just committed, instead of reading them
    /// back: when the index has read everything up to the write's first event and nothing
    /// since, which holds unless a catch-up got there first (it then has them already).
    pub(crate) fn took_in_own(&self, written: Written) {
        let Ok(mut read_up_to) = self.read_up_to.try_lock() else {
            return;
        };
        if *read_up_to != written.after || self.state() != IndexState::Ready {
            return;
        }
        self.apply(written.rows);
        if self.within_limit() {
            *read_up_to = written.last;
        }
    }

    /// The histories of `keys` for a write that holds the audit chain's head and has written
    /// no events yet, read through its transaction: the index first reads what was committed
    /// since it last looked (another process's writes included, which the write's lock has
    /// let finish). None when the index cannot answer without waiting (not loaded, or a
    /// catch-up under way, which may itself wait for a connection held by a writer queued
    /// behind this one): the caller reads the database.
    ///
    /// With the histories, the last `seq` read: every event up to it is in the index.
    pub(crate) async fn ledgers_for_write(
        &self,
        tx: &mut Tx,
        keys: &[SubjectKey],
    ) -> Result<Option<(Ledgers, i64)>> {
        if self.state() != IndexState::Ready {
            return Ok(None);
        }
        let Ok(mut read_up_to) = self.read_up_to.try_lock() else {
            return Ok(None);
        };
        if !self.catch_up(&mut Reader::Tx(tx), &mut read_up_to).await? {
            return Ok(None);
        }
        Ok(Some((self.ledgers_of(keys), *read_up_to)))
    }

    fn clear(&self) {
        for shard in self.shards.iter() {
            *shard.write().unwrap_or_else(PoisonError::into_inner) = Shard::default();
        }
        self.subjects.store(0, Ordering::Relaxed);
        self.events.store(0, Ordering::Relaxed);
    }
}

impl Store {
    /// Loads the consent index in the background and keeps it up to date from then on
    /// (see the module documentation); it holds at most `limit_bytes`.
    pub fn start_consent_index(&self, limit_bytes: usize) {
        let index = &self.consent_index;
        index.limit_bytes.store(limit_bytes, Ordering::Relaxed);
        index.set_state(IndexState::Loading);
        let store = self.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let generation = store.generation();
            let mut read_up_to = store.consent_index.read_up_to.lock().await;
            match store.catch_up(&mut read_up_to).await {
                Ok(true) => {
                    let index = &store.consent_index;
                    index.generation.store(generation, Ordering::Release);
                    index.set_state(IndexState::Ready);
                    let r = store.consent_index_report();
                    tracing::info!(
                        subjects = r.subjects,
                        events = r.events,
                        megabytes = r.bytes >> 20,
                        seconds = started.elapsed().as_secs_f64(),
                        "consent index loaded"
                    );
                }
                Ok(false) => {}
                Err(e) => {
                    store.consent_index.set_state(IndexState::Failed);
                    tracing::error!(error = %e, "loading the consent index; decisions come from the database");
                }
            }
        });
    }

    /// What the consent index holds and costs.
    pub fn consent_index_report(&self) -> ConsentIndexReport {
        let index = &self.consent_index;
        ConsentIndexReport {
            state: index.state(),
            subjects: index.subjects.load(Ordering::Relaxed),
            events: index.events.load(Ordering::Relaxed),
            bytes: index.bytes(),
            limit_bytes: index.limit_bytes.load(Ordering::Relaxed),
        }
    }

    async fn catch_up(&self, read_up_to: &mut i64) -> Result<bool> {
        self.consent_index
            .catch_up(&mut Reader::Pool(&self.pool), read_up_to)
            .await
    }

    /// Whether decisions may come from the index: it is loaded, and it has read every event
    /// committed before this call (as far as [`Store::generation`] knows).
    pub(crate) async fn fresh_consent_index(&self) -> Result<bool> {
        let index = &self.consent_index;
        if index.state() != IndexState::Ready {
            return Ok(false);
        }
        let generation = self.generation();
        if index.generation.load(Ordering::Acquire) >= generation {
            return Ok(true);
        }
        let mut read_up_to = index.read_up_to.lock().await;
        if index.generation.load(Ordering::Acquire) >= generation {
            return Ok(true);
        }
        match self.catch_up(&mut read_up_to).await {
            Ok(true) => {
                index.generation.fetch_max(generation, Ordering::AcqRel);
                Ok(index.state() == IndexState::Ready)
            }
            Ok(false) => Ok(false),
            Err(e) => {
                // A failed read leaves the index as it was: behind. Decisions come from the
                // database until it catches up.
                tracing::warn!(error = %e, "catching up the consent index");
                Err(e)
            }
        }
    }
}
