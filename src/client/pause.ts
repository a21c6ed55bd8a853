/** The sender's backoff pause: cut short at the shutdown deadline, and holding the process open only on demand. */
export class Pause {
  private current: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  /**
   * Waits `ms`. The timer is unref()ed unless `keepAlive`: a tracker nobody awaits must not keep an app
   * from exiting, but a pending flush() or shutdown() should.
   */
  sleep(ms: number, keepAlive: boolean): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.current = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      if (!keepAlive) timer.unref();
      this.current = { timer, wake };
    });
  }

  /** Someone now awaits delivery: keep the process alive through the current pause. */
  holdOpen(): void {
    this.current?.timer.ref();
  }

  /** Ends the current pause now. */
  wake(): void {
    this.current?.wake();
  }
}
