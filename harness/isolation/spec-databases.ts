// The databases of a command's spec runs: one manager (one admin connection, one reclaim of dead
// runs' leftovers) for every spec. A spec that leaves its database as it found it (checked from
// the catalogs, not trusted to its teardown) hands it, with the scheduler's sessions, to the next
// spec; otherwise the next spec gets a fresh one and the used one is dropped in the background.
// (Making the next spec's database while one runs was tried: CREATE DATABASE then took three
// times as long, and the specs waited for it as much as before.)
import { CatalogBaseline, HarnessDatabases, type HarnessDatabase, type StartedPostgres } from '../db/index.ts';
import type { Scheduler } from '../sched/index.ts';

/** A spec's database with the scheduler connected to it. */
export interface SpecDatabase {
  readonly db: HarnessDatabase;
  readonly scheduler: Scheduler;
}

interface Held extends SpecDatabase {
  /** The scheduler's connection options: a kept database serves only a spec connected alike. */
  readonly key: string;
  /** null: the catalogs could not be read; the database then serves no other spec. */
  readonly baseline: CatalogBaseline | null;
  /** How the scheduler was connected: a database made ahead of a spec (prepareNext) is connected alike. */
  readonly connect: (db: HarnessDatabase) => Promise<Scheduler>;
}

export class SpecDatabases {
  /** Admin work, one statement at a time on the manager's one connection, in order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The last spec's database, unchanged, and its scheduler: the next spec's if it connects alike. */
  private kept: Held | null = null;
  private readonly held = new Map<SpecDatabase, Held>();
  /** How many specs were handed a database an earlier spec used (for the bench and the tests). */
  reused = 0;

  private constructor(private readonly dbs: HarnessDatabases) {}

  static async open(server: StartedPostgres): Promise<SpecDatabases> {
    return new SpecDatabases(await HarnessDatabases.open(server));
  }

  /**
   * A database for a spec, with a scheduler on it: the one the last spec left unchanged when
   * `key` (how the scheduler connects) is the same, else a fresh one named with `label` and a
   * scheduler from `connect`.
   */
  async take(label: string, key: string, connect: (db: HarnessDatabase) => Promise<Scheduler>): Promise<SpecDatabase> {
    const kept = this.kept;
    this.kept = null;
    if (kept && kept.key === key && (await this.unchanged(kept))) {
      try {
        await kept.scheduler.beginWorkload();
        this.reused++;
        return this.hold(kept);
      } catch {
        await this.discard(kept);
      }
    } else if (kept) await this.discard(kept);
    return this.hold(await this.make(label, key, connect));
  }

  /** Whether the server still answers the manager (a resident asks before each command). */
  reachable(): Promise<boolean> {
    return this.dbs.reachable();
  }

  /**
   * Makes the next spec's database now, while nothing waits for it (the resident process between
   * commands): keeps the last one if it is unchanged, else replaces it with a fresh one connected
   * as it was. The next spec still checks it when it takes it.
   */
  async prepareNext(): Promise<void> {
    const kept = this.kept;
    if (!kept || (await this.unchanged(kept))) return;
    this.kept = null;
    await this.discard(kept);
    this.kept = await this.make('spec', kept.key, kept.connect);
  }

  private async make(label: string, key: string, connect: (db: HarnessDatabase) => Promise<Scheduler>): Promise<Held> {
    const db = await this.enqueue(() => this.dbs.createTemplate(label, []));
    let scheduler: Scheduler | null = null;
    try {
      scheduler = await connect(db);
      const baseline = await CatalogBaseline.take(scheduler.observer).catch(() => null);
      return { db, scheduler, key, baseline, connect };
    } catch (e) {
      await scheduler?.close();
      this.release(db);
      throw e;
    }
  }

  /**
   * Gives a spec's database back. The next spec gets it if its catalogs are then as they were when
   * it was made (and nobody else holds anything on it) — checked when a next spec comes, so the
   * last spec of a command costs no check; otherwise it is closed and dropped in the background.
   */
  async giveBack(taken: SpecDatabase): Promise<void> {
    const held = this.held.get(taken);
    if (!held) return;
    this.held.delete(taken);
    if (!this.kept) {
      this.kept = held;
      return;
    }
    await this.discard(held);
  }

  /** Waits for the drops under way, then drops every database still left. */
  async close(): Promise<void> {
    const kept = this.kept;
    this.kept = null;
    if (kept) await this.discard(kept);
    for (const held of [...this.held.values()]) await this.discard(held);
    this.held.clear();
    await this.queue.catch(() => undefined);
    await this.dbs.close();
  }

  private hold(held: Held): SpecDatabase {
    const taken: SpecDatabase = { db: held.db, scheduler: held.scheduler };
    this.held.set(taken, held);
    return taken;
  }

  private async unchanged(held: Held): Promise<boolean> {
    if (!held.baseline) return false;
    try {
      const observer = held.scheduler.observer;
      // A block left open on the control session (a teardown's BEGIN) is not the database's state.
      if (observer.getTransactionStatus() !== 'I') await observer.query('ROLLBACK');
      return (await held.baseline.changes(observer)).length === 0;
    } catch {
      return false;
    }
  }

  private async discard(held: Held): Promise<void> {
    await held.scheduler.close();
    this.release(held.db);
  }

  /** Drops a database once the admin connection is free; nobody waits for it. */
  private release(db: HarnessDatabase): void {
    this.enqueue(() => this.dbs.drop(db)).catch(() => undefined);
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
