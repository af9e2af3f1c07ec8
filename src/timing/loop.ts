// A cancellable background loop (`while (!signal.aborted) { …; await sleep(ms, signal) }`):
// start() runs the body once; stop() aborts it, lets the owner interrupt whatever the body
// waits on, and resolves when the body has returned. Never a self-recursive timer.

export class Loop {
  private current: { abort: AbortController; done: Promise<void> } | null = null;

  get signal(): AbortSignal | null {
    return this.current?.abort.signal ?? null;
  }

  start(body: (signal: AbortSignal) => Promise<void>): void {
    if (this.current) return;
    const abort = new AbortController();
    this.current = { abort, done: body(abort.signal) };
  }

  /** False when the loop was not running. */
  async stop(interrupt?: () => Promise<void> | void): Promise<boolean> {
    const current = this.current;
    if (!current) return false;
    current.abort.abort();
    await interrupt?.();
    await current.done;
    this.current = null;
    return true;
  }
}
