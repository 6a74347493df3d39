// How an actor ends with an error yet keeps what it had done: checks then see both the error
// (its SQLSTATE) and the partial result (e.g. the rows it had read before the failing step).
export class ActorFailure extends Error {
  constructor(
    /** The error the actor ends with; its SQLSTATE is the actor's. */
    override readonly cause: unknown,
    /** What the actor had done or read before it failed. */
    readonly partial: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'ActorFailure';
  }
}
