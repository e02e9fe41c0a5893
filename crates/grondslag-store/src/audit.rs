//! The tamper-evident audit log (SEC-3). [`WriteTx`] is the only way to write: it claims the
//! head of the hash chain as its first statement (which serialises writers, on one SQLite
//! file and across PostgreSQL instances alike), appends an entry per change, and moves the
//! head in the same transaction as the change itself.

use crate::changes::Changes;
use crate::db::{BulkWrite, Pool, Tx, Val};
use crate::sqlite_writes::Turn;
use crate::{Result, Store};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use grondslag_domain::audit::{entry_hash, AuditEntry, ChainBreak, ChainVerifier, EntryContent};
use std::sync::Arc;

/// A transaction that records who changed what.
pub struct WriteTx {
    pub(crate) tx: Tx,
    actor: String,
    at: DateTime<Utc>,
    seq: i64,
    hash: String,
    pending: Vec<Vec<Val>>,
    bulk: Option<BulkWrite>,
    /// Moved at commit, so this process's caches look again ([`crate::changes`]).
    changes: Arc<Changes>,
    /// SQLite: this process's turn to write, let go after the commit.
    turn: Option<Turn>,
}

#[derive(sqlx::FromRow)]
struct Head {
    seq: i64,
    hash: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    at: DateTime<Utc>,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    before: Option<String>,
    after: Option<String>,
    prev_hash: String,
    hash: String,
}

impl From<Row> for AuditEntry {
    fn from(r: Row) -> Self {
        AuditEntry {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            before: r.before,
            after: r.after,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const COLUMNS: &str = "seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash";

/// The current time at the precision both databases keep, so hashes survive a round trip.
pub fn now() -> DateTime<Utc> {
    Utc::now()
        .duration_trunc(TimeDelta::microseconds(1))
        .expect("microseconds truncate")
}

impl Store {
    /// Starts a write on behalf of `actor` (`user:NAME` or `cli:NAME`).
    pub async fn begin_write(&self, actor: &str) -> Result<WriteTx> {
        let (mut tx, turn) = self.pool.begin_write(&self.turns).await?;
        // The first statement writes, so the lock is taken now and not upgraded later
        // (SQLite), and concurrent writers wait on the head row (PostgreSQL).
        tx.execute("UPDATE audit_head SET seq = seq WHERE id = 1", &[])
            .await?;
        let head: Head = tx
            .fetch_one("SELECT seq, hash FROM audit_head WHERE id = 1", &[])
            .await?;
        Ok(WriteTx {
            tx,
            actor: actor.to_string(),
            at: now(),
            seq: head.seq,
            hash: head.hash,
            pending: Vec::new(),
            bulk: None,
            changes: self.changes.clone(),
            turn,
        })
    }

    /// Entries about one entity, newest first.
    pub async fn audit_for(
        &self,
        entity: &str,
        entity_id: &str,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let rows: Vec<Row> = self
            .pool
            .fetch_all(
                &format!("SELECT {COLUMNS} FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY seq DESC LIMIT $3"),
                &[entity.into(), entity_id.into(), limit.into()],
            )
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The most recent entries, newest first.
    pub async fn audit_recent(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows: Vec<Row> = self
            .pool
            .fetch_all(
                &format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT $1"),
                &[limit.into()],
            )
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Walks the whole chain and names the first entry that was altered, removed or
    /// reordered. Returns the number of entries on success.
    pub async fn verify_audit_chain(&self) -> Result<Result<i64, ChainBreak>> {
        verify(&self.pool).await
    }
}

async fn verify(pool: &Pool) -> Result<Result<i64, ChainBreak>> {
    let mut v = ChainVerifier::default();
    let mut after = 0i64;
    loop {
        let rows: Vec<Row> = pool
            .fetch_all(
                &format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000"),
                &[after.into()],
            )
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for r in rows {
            if let Err(e) = v.push(&r.into()) {
                return Ok(Err(e));
            }
        }
    }
    let head: Head = pool
        .fetch_one("SELECT seq, hash FROM audit_head WHERE id = 1", &[])
        .await?;
    Ok(v.finish(head.seq, &head.hash))
}

impl WriteTx {
    /// The time every entry of this transaction carries.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Appends an audit entry for a change made in this transaction.
    pub fn record(
        &mut self,
        action: &str,
        entity: &str,
        entity_id: &str,
        before: Option<String>,
        after: Option<String>,
    ) {
        let seq = self.seq + 1;
        let hash = entry_hash(
            &self.hash,
            &EntryContent {
                seq,
                at: self.at,
                actor: &self.actor,
                action,
                entity,
                entity_id,
                before: before.as_deref(),
                after: after.as_deref(),
            },
        );
        self.pending.push(vec![
            seq.into(),
            self.at.into(),
            self.actor.clone().into(),
            action.into(),
            entity.into(),
            entity_id.into(),
            before.into(),
            after.into(),
            std::mem::replace(&mut self.hash, hash.clone()).into(),
            hash.into(),
        ]);
        self.seq = seq;
    }

    /// Readies this write for much more data than usual (a large import); the commit, or
    /// [`WriteTx::end_bulk`] when the write is given up, restores the connection.
    pub(crate) async fn begin_bulk(&mut self) -> Result<()> {
        if self.bulk.is_none() {
            self.bulk = Some(self.tx.begin_bulk_write().await?);
        }
        Ok(())
    }

    /// Restores what [`WriteTx::begin_bulk`] changed.
    pub(crate) async fn end_bulk(&mut self) -> Result<()> {
        if let Some(bulk) = self.bulk.take() {
            self.tx.end_bulk_write(bulk).await?;
        }
        Ok(())
    }

    /// Writes the entries and the new head, then commits everything at once.
    pub async fn commit(self) -> Result<()> {
        self.commit_then(|| ()).await
    }

    /// [`WriteTx::commit`], and `then` once the database has committed, before the next write
    /// of this process may begin.
    pub async fn commit_then(mut self, then: impl FnOnce()) -> Result<()> {
        let rows = std::mem::take(&mut self.pending);
        let columns: Vec<&str> = COLUMNS.split(", ").collect();
        self.tx.insert_many("audit_log", &columns, rows).await?;
        self.tx
            .execute(
                "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
                &[self.seq.into(), self.hash.clone().into()],
            )
            .await?;
        self.end_bulk().await?;
        if matches!(self.tx, Tx::Postgres(_)) {
            // Delivered when the transaction commits, and not at all if it does not.
            let notify = format!("NOTIFY {}", crate::changes::CHANNEL);
            self.tx.execute(&notify, &[]).await?;
        }
        self.tx.commit().await?;
        then();
        if let Some(turn) = self.turn.take() {
            turn.committed();
        }
        self.changes.moved();
        Ok(())
    }
}
