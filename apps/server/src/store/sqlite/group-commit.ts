/**
 * Group commit for SQLite writes. With synchronous=FULL every commit waits for the disk, and
 * better-sqlite3 waits on the event loop: one commit per request would cap writes at the disk's
 * fsync rate and stall every other request meanwhile. Writes that arrive in the same turn of the
 * event loop run in one transaction instead, each inside its own savepoint, so one failing write
 * (a duplicate identifier) rolls back alone; every promise settles only after the commit, so an
 * answered 201 is on disk exactly as before.
 */
import type Database from 'better-sqlite3';

interface Job {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  #queue: Job[] = [];
  readonly #batch: Database.Transaction<(jobs: Job[]) => Outcome[]>;

  constructor(db: Database.Database) {
    // Called inside the batch's transaction, db.transaction() opens a savepoint.
    const inSavepoint = db.transaction((work: () => unknown) => work());
    this.#batch = db.transaction((jobs: Job[]) =>
      jobs.map((job): Outcome => {
        try {
          return { ok: true, value: inSavepoint(job.work) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
  }

  /** Runs `work` in the next group transaction; settles once that transaction is committed. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.#queue.length === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const jobs = this.#queue;
    this.#queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.#batch.immediate(jobs);
    } catch (error) {
      // The commit itself failed (disk full, database locked too long): nothing was written.
      for (const job of jobs) job.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => {
      const job = jobs[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }
}
