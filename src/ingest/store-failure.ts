/**
 * Why the event store could not write a flush, in the writer's terms. The store maps PostgreSQL's errors
 * (SQLSTATEs, lost connections) onto these kinds; the writer decides on the kind alone.
 */
export type StoreFailureKind =
  /** A deadlock or serialization failure: the same write may simply be tried again. */
  | 'retryable'
  /** PostgreSQL cannot be reached, or refuses connections: answer 503, nothing to retry here. */
  | 'unavailable'
  /** PostgreSQL refused the data itself (SQLSTATE class 22): retrying the same events fails the same way. */
  | 'data_error'
  /** A monthly partition the store believed in is missing, or was created concurrently: look again, retry. */
  | 'partition_missing';

export class StoreFailure extends Error {
  constructor(
    readonly kind: StoreFailureKind,
    override readonly cause: unknown,
  ) {
    super(`event store ${kind}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StoreFailure';
  }
}
