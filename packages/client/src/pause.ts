/**
 * The senders' backoff pauses (one per batch waiting to be retried): cut short at the shutdown deadline, and
 * holding the process open only on demand.
 */
import { refTimer, unrefTimer, type Timer } from './runtime.js';

export class Pause {
  private readonly current = new Set<{ timer: Timer; wake: () => void }>();

  /**
   * Waits `ms`. The timer is unref()ed unless `keepAlive`: a tracker nobody awaits must not keep an app
   * from exiting, but a pending flush() or shutdown() should.
   */
  sleep(ms: number, keepAlive: boolean): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(pause.timer);
        this.current.delete(pause);
        resolve();
      };
      const pause = { timer: setTimeout(wake, ms), wake };
      if (!keepAlive) unrefTimer(pause.timer);
      this.current.add(pause);
    });
  }

  /** Someone now awaits delivery: keep the process alive through the current pauses. */
  holdOpen(): void {
    for (const p of this.current) refTimer(p.timer);
  }

  /** Ends every current pause now. */
  wake(): void {
    for (const p of [...this.current]) p.wake();
  }
}
