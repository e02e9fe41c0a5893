//! Whether the database may have changed since a cache was filled. In-memory caches (API
//! tokens, the consent index) remember the [`Store::generation`] they were filled at and
//! look again once it has moved.
//!
//! This process's own writes move the generation when they commit ([`crate::audit::WriteTx`]),
//! so a cache never answers from before a write this process made. Writes of another process
//! (a second `grondslag serve` behind the same load balancer, the CLI on the same SQLite file)
//! are seen by [`Store::watch_changes`]. On PostgreSQL every write sends a `NOTIFY` that is
//! delivered when it commits, and the watcher listens for it: another instance's write counts
//! at once. Everywhere it also polls the audit chain's head, which every write moves in the
//! same transaction: on SQLite the only way to hear of another process, on PostgreSQL the
//! fallback for notifications lost while the listening connection was down
//! (`docs/consent.md`, "Decisions from memory").

use crate::db::Pool;
use crate::{Result, Store};
use sqlx::postgres::PgListener;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

#[derive(Debug, Default)]
pub(crate) struct Changes {
    generation: AtomicU64,
}

impl Changes {
    pub(crate) fn moved(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

#[derive(sqlx::FromRow)]
struct HeadSeq {
    seq: i64,
}

impl Store {
    /// A number that moves whenever the database may have changed.
    pub fn generation(&self) -> u64 {
        self.changes.generation.load(Ordering::Acquire)
    }

    async fn audit_head_seq(&self) -> Result<i64> {
        let head: HeadSeq = self
            .pool
            .fetch_one("SELECT seq FROM audit_head WHERE id = 1", &[])
            .await?;
        Ok(head.seq)
    }

    /// Watches for writes of other processes until the store is closed: listens for their
    /// notifications (PostgreSQL; listening before this returns) and polls the audit chain's
    /// head every `every`. A failed poll is logged and retried.
    pub async fn watch_changes(&self, every: Duration) -> Result<()> {
        if let Pool::Postgres(pool) = &self.pool {
            let mut listener = PgListener::connect_with(pool).await?;
            listener.listen(CHANNEL).await?;
            let store = self.clone();
            tokio::spawn(async move {
                // `recv` reconnects by itself when the connection drops; what was sent
                // meanwhile is lost, and the poll below catches up on it.
                while !store.pool.is_closed() {
                    match listener.recv().await {
                        Ok(_) => store.changes.moved(),
                        Err(e) => {
                            tracing::warn!(error = %e, "listening for other instances' writes");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                }
            });
        }
        let store = self.clone();
        tokio::spawn(async move {
            let mut seen: Option<i64> = None;
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if store.pool.is_closed() {
                    return;
                }
                match store.audit_head_seq().await {
                    Ok(seq) => {
                        if seen.is_some_and(|s| s != seq) {
                            store.changes.moved();
                        }
                        seen = Some(seq);
                    }
                    Err(e) => tracing::warn!(error = %e, "polling the audit head for changes"),
                }
            }
        });
        Ok(())
    }
}

/// The channel every write notifies on PostgreSQL, at commit.
pub(crate) const CHANNEL: &str = "grondslag_changes";

/// Answers remembered by key, each with the [`Store::generation`] it was read at and good
/// only while the generation stays there. Keys come from requests (a token's hash, an
/// activity's id), so the map is emptied should it ever pass [`Remembered::MAX`].
#[derive(Debug)]
pub(crate) struct Remembered<V>(Mutex<HashMap<String, (u64, V)>>);

impl<V> Default for Remembered<V> {
    fn default() -> Self {
        Remembered(Mutex::default())
    }
}

impl<V: Clone> Remembered<V> {
    const MAX: usize = 10_000;

    pub(crate) fn get(&self, key: &str, generation: u64) -> Option<V> {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(key)
            .filter(|(g, _)| *g == generation)
            .map(|(_, v)| v.clone())
    }

    /// Remembers `value` as read at `generation`, which must have been read before the
    /// database was: a change committed meanwhile has moved it, and the next caller looks
    /// again.
    pub(crate) fn put(&self, key: String, generation: u64, value: V) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= Self::MAX {
            map.clear();
        }
        map.insert(key, (generation, value));
    }
}
