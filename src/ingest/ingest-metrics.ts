/** What the ingest path reports; implemented by telemetry/, a no-op in unit tests. */
import type { NormalizedEvent } from './event-schema.js';

export type RejectReason =
  | 'validation'
  | 'auth'
  | 'too_large'
  | 'unsupported_media_type'
  | 'invalid_json'
  | 'overloaded'
  | 'unavailable'
  /** Events of requests PostgreSQL refused for their data (400 invalid_event), found by bisecting a flush. */
  | 'database_rejected';
export type WriteErrorKind = 'unavailable' | 'retryable' | 'other';

export interface IngestMetrics {
  /** Events committed for the first time (counted by type/category/outcome, duration histogram). */
  eventsStored(events: readonly NormalizedEvent[]): void;
  duplicates(count: number): void;
  batchSize(events: number): void;
  rejected(reason: RejectReason, events: number): void;
  writeError(kind: WriteErrorKind): void;
  flush(events: number, seconds: number): void;
  pending(events: number): void;
}

export const noopIngestMetrics: IngestMetrics = {
  eventsStored() {},
  duplicates() {},
  batchSize() {},
  rejected() {},
  writeError() {},
  flush() {},
  pending() {},
};
