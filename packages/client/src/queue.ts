/** The bounded FIFO of events waiting to be sent, and cutting batches from its head. */
import { BATCH_ENVELOPE_BYTES } from './batch.js';
import type { EncodedEvent } from './event.js';

export class EventQueue {
  private items: EncodedEvent[] = [];
  private head = 0;
  private byteTotal = 0;

  constructor(private readonly capacity: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** Sum of the events' JSON sizes (without envelope or commas). */
  get bytes(): number {
    return this.byteTotal;
  }

  get isFull(): boolean {
    return this.length >= this.capacity;
  }

  /** Appends; returns false (and keeps nothing) when the queue is full. */
  push(event: EncodedEvent): boolean {
    if (this.isFull) return false;
    this.items.push(event);
    this.byteTotal += event.bytes;
    return true;
  }

  /**
   * Removes and returns up to `maxCount` events from the head whose body stays within `maxBodyBytes`. The
   * first event is always taken (every queued event fits in a body on its own).
   */
  takeBatch(maxCount: number, maxBodyBytes: number): EncodedEvent[] {
    const batch: EncodedEvent[] = [];
    let size = BATCH_ENVELOPE_BYTES;
    while (batch.length < maxCount && this.head < this.items.length) {
      const next = this.items[this.head] as EncodedEvent;
      const added = next.bytes + (batch.length > 0 ? 1 : 0);
      if (batch.length > 0 && size + added > maxBodyBytes) break;
      batch.push(next);
      size += added;
      this.byteTotal -= next.bytes;
      this.head += 1;
    }
    this.compact();
    return batch;
  }

  /** Removes and returns everything. */
  drain(): EncodedEvent[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.byteTotal = 0;
    return rest;
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
