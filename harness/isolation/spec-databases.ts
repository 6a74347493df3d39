// The databases of a command's spec runs: one manager (one admin connection, one reclaim of dead
// runs' leftovers) for every spec, and each finished one dropped in the background. Every spec
// still gets a database of its own. (Making the next spec's database while one runs was tried:
// CREATE DATABASE then took three times as long, and the specs waited for it as much as before.)
import { HarnessDatabases, type HarnessDatabase, type StartedPostgres } from '../db/index.ts';

export class SpecDatabases {
  /** Admin work, one statement at a time on the manager's one connection, in order. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly dbs: HarnessDatabases) {}

  static async open(server: StartedPostgres): Promise<SpecDatabases> {
    return new SpecDatabases(await HarnessDatabases.open(server));
  }

  /** A fresh database of the harness's own, named with `label`. */
  take(label: string): Promise<HarnessDatabase> {
    return this.enqueue(() => this.dbs.createTemplate(label, []));
  }

  /** Drops a spec's database once the admin connection is free; nobody waits for it. */
  release(db: HarnessDatabase): void {
    this.enqueue(() => this.dbs.drop(db)).catch(() => undefined);
  }

  /** Waits for the drops under way, then drops every database still left. */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.dbs.close();
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
