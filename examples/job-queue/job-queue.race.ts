// Two workers claim a job each from a queue of two: the naive claim hands both the same job (and
// leaves the other queued); FOR UPDATE SKIP LOCKED gives each its own.
import { defineScenario, type SqlSession } from 'position-race-harness';
import { claimJobNaive, claimJobSkipLocked } from './claim-job.ts';

type Claim = (db: SqlSession, worker: string) => Promise<number | null>;

function jobQueue(name: string, claim: Claim, expect: 'holds' | 'violates') {
  return defineScenario({
    name,
    title: `Two workers claim jobs (${claim.name})`,
    schema: new URL('./schema.sql', import.meta.url),
    setup: ({ sql }) => sql("INSERT INTO job (payload) VALUES ('send invoice 17'), ('send invoice 18')"),
    actors: ['worker-1', 'worker-2'].map((worker) => ({ name: worker, run: ({ sql }) => claim(sql, worker) })),
    check: async ({ sql, results }) => {
      const claimed = Object.values(results);
      if (claimed[0] !== null && claimed[0] === claimed[1]) return `both workers claimed job ${String(claimed[0])}`;
      const { rows } = await sql<{ n: number }>("SELECT count(*)::int AS n FROM job WHERE status = 'queued'");
      if (rows[0]?.n !== 0) return `${rows[0]?.n} job(s) still queued after two claims`;
    },
    expect,
  });
}

export const jobQueueBuggy = jobQueue('job-queue-buggy', claimJobNaive, 'violates');
export const jobQueueFixed = jobQueue('job-queue-fixed', claimJobSkipLocked, 'holds');
