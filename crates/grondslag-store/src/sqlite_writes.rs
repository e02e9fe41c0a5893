//! SQLite's writes in one process (`docs/architecture.md`, "Storage"): they take turns, and
//! the checkpoints that copy the WAL back into the database run beside them.
//!
//! SQLite lets one transaction write at a time. Writers that met its lock used to wait in its
//! busy handler, which polls with sleeps of up to 100 ms, and the one that got in next had
//! often begun before the last one's checkpoint had finished. SQLite then cannot start the
//! WAL over, so the WAL grew by every page written (4 GB in one benchmark). Here they queue
//! on a lock of this process instead ([`Turn::take`]); a writer in another process (the CLI
//! beside a server) still meets SQLite's lock and busy timeout.
//!
//! A checkpoint copies the pages of committed transactions from the WAL into the database
//! file and syncs both files. By default SQLite runs it in the commit that takes the WAL past
//! 1,000 pages, while that writer holds the lock, so the next write waited for the disk. Here
//! the connections do not checkpoint by themselves (`wal_autocheckpoint = 0`, see
//! [`crate::Store::connect`]): after each commit a task checkpoints while the next write goes
//! on ([`Turn::committed`]). SQLite starts the WAL over only when a write begins with all of
//! it copied back, which a stream of writes would never allow; so once the WAL holds more
//! than [`WAL_FRAMES`] pages, the next write first finishes the checkpoint.

use crate::{StoreError, WRITE_WAIT};
use sqlx::SqlitePool;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Pages in the WAL (64 MB of 8 kB pages) beyond which a write waits for the checkpoint
/// before it begins, so that SQLite can start the WAL over.
pub const WAL_FRAMES: i64 = 8192;

/// This process's writers' turns and checkpoints on one SQLite database.
#[derive(Debug, Default)]
pub(crate) struct Turns {
    write: Arc<Mutex<()>>,
    checkpoint: Arc<Mutex<()>>,
    /// A commit came after the running checkpoint began.
    again: AtomicBool,
    /// Pages in the WAL when the last checkpoint ran.
    wal_frames: AtomicI64,
}

#[derive(sqlx::FromRow)]
struct Checkpoint {
    log: i64,
}

/// This process's turn to write, held from before `BEGIN` until the commit.
pub(crate) struct Turn {
    _guard: OwnedMutexGuard<()>,
    turns: Arc<Turns>,
    pool: SqlitePool,
}

impl Turn {
    /// Waits for this process's turn to write. When the WAL has grown past [`WAL_FRAMES`],
    /// copies it back first, with the turn held, so that this write starts it over.
    pub(crate) async fn take(turns: &Arc<Turns>, pool: &SqlitePool) -> crate::Result<Turn> {
        let guard = tokio::time::timeout(WRITE_WAIT, turns.write.clone().lock_owned())
            .await
            .map_err(|_| {
                StoreError::Unavailable(format!(
                    "the database is busy: another write has held it for over {} s",
                    WRITE_WAIT.as_secs()
                ))
            })?;
        if turns.wal_frames.load(Ordering::Relaxed) > WAL_FRAMES {
            let _running = turns.checkpoint.lock().await;
            turns.run(pool).await?;
        }
        Ok(Turn {
            _guard: guard,
            turns: turns.clone(),
            pool: pool.clone(),
        })
    }

    /// After the commit: lets the next writer go and checkpoints beside it.
    pub(crate) fn committed(self) {
        let Turn {
            _guard,
            turns,
            pool,
        } = self;
        drop(_guard);
        turns.committed(&pool);
    }
}

impl Turns {
    /// After a commit: checkpoints in a task of its own, or, when one is running, has it go
    /// once more.
    fn committed(self: &Arc<Self>, pool: &SqlitePool) {
        self.again.store(true, Ordering::SeqCst);
        let Ok(running) = self.checkpoint.clone().try_lock_owned() else {
            return;
        };
        let (turns, pool) = (self.clone(), pool.clone());
        tokio::spawn(async move {
            let mut running = running;
            loop {
                while turns.again.swap(false, Ordering::SeqCst) {
                    if let Err(e) = turns.run(&pool).await {
                        tracing::warn!(error = %e, "checkpointing the SQLite WAL");
                        return;
                    }
                }
                drop(running);
                // A commit that came as the last pass ended found the checkpoint running and
                // left it to this task.
                if !turns.again.load(Ordering::SeqCst) {
                    return;
                }
                match turns.checkpoint.clone().try_lock_owned() {
                    Ok(again) => running = again,
                    Err(_) => return,
                }
            }
        });
    }

    /// One checkpoint that waits for no one: it copies back what no reader still needs.
    async fn run(&self, pool: &SqlitePool) -> sqlx::Result<()> {
        let c: Checkpoint = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(pool)
            .await?;
        self.wal_frames.store(c.log, Ordering::Relaxed);
        Ok(())
    }
}
