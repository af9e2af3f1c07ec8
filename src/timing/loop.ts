// A cancellable background loop (`while (!signal.aborted) { …; await sleep(ms, signal) }`):
// start() runs the body once; stop() aborts it, lets the owner interrupt whatever the body
// waits on, and resolves when the body has returned. Never a self-recursive timer. A body
// may also return by itself when it has nothing left to do; start() then runs it afresh.

export class Loop {
  private current: { abort: AbortController; done: Promise<void> } | null = null;

  get signal(): AbortSignal | null {
    return this.current?.abort.signal ?? null;
  }

  /** Runs `body` unless it is running already. */
  start(body: (signal: AbortSignal) => Promise<void>): void {
    if (this.current) return;
    const abort = new AbortController();
    const run = { abort, done: Promise.resolve() };
    this.current = run;
    run.done = body(abort.signal).finally(() => {
      if (this.current === run) this.current = null;
    });
  }

  /** False when the loop was not running. */
  async stop(interrupt?: () => Promise<void> | void): Promise<boolean> {
    const current = this.current;
    if (!current) return false;
    current.abort.abort();
    await interrupt?.();
    await current.done;
    if (this.current === current) this.current = null;
    return true;
  }
}
