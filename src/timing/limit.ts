// At most `max` actions in any sliding window of `windowMs`: the airtime of DMs, pushes into
// the radio, on-demand syncs. The one rate limit of the code base.

export class SlidingLimit {
  /** Times (epoch ms, in the order they happened) of the actions still inside the window. */
  private recent: number[] = [];

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /**
   * The earliest time (epoch ms, `now` or later) at which another action fits. A pure query,
   * so pure planners (sync/plan.ts) can ask it without changing anything.
   */
  allowedAt(now: number): number {
    const inWindow = this.recent.filter((t) => t > now - this.windowMs);
    if (inWindow.length < this.max) return now;
    // The action that has to age out before another fits.
    const oldestThatMustExpire = inWindow[inWindow.length - this.max];
    return (oldestThatMustExpire ?? now) + this.windowMs;
  }

  /** How many actions would fit at `now` (a pure query, like allowedAt). */
  remaining(now: number): number {
    let inWindow = 0;
    for (const t of this.recent) if (t > now - this.windowMs) inWindow++;
    return Math.max(0, this.max - inWindow);
  }

  /** Takes one slot at `now`; false (and nothing taken) when the window is full. */
  take(now: number): boolean {
    if (this.allowedAt(now) > now) return false;
    this.record(now);
    return true;
  }

  /**
   * Counts an action that ran at `now` whether or not it fitted, e.g. a forced sync that
   * also served a pending on-demand request: later on-demand syncs must still wait for it.
   */
  record(now: number): void {
    this.recent = this.recent.filter((t) => t > now - this.windowMs);
    this.recent.push(now);
  }
}
