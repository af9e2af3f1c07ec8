// At most `max` actions in any sliding window of `windowMs`: the airtime of DMs, pushes into
// the radio, on-demand syncs, the envelopes of the mesh's uplink. The one rate limit of the
// code base. Constant time per action however large `max` is: the uplink's limit may be
// hundreds of thousands a minute, where a rescan of the window per action went quadratic.

export class SlidingLimit {
  /**
   * Times (epoch ms, ascending) of the actions; those before `head` have left the window
   * and are dropped in bulk now and then, so that expiring one costs nothing.
   */
  private recent: number[] = [];
  private head = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /**
   * The earliest time (epoch ms, `now` or later) at which another action fits. A pure query,
   * so pure planners (sync/plan.ts) can ask it without changing anything.
   */
  allowedAt(now: number): number {
    const first = this.firstInWindow(now);
    const inWindow = this.recent.length - first;
    if (inWindow < this.max) return now;
    // The action that has to age out before another fits.
    const oldestThatMustExpire = this.recent[this.recent.length - this.max];
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
    this.head = this.firstInWindow(now);
    // Drop the expired front once it is most of the array: amortised constant time.
    if (this.head > 1024 && this.head * 2 > this.recent.length) {
      this.recent = this.recent.slice(this.head);
      this.head = 0;
    }
    // A clock that stepped back: keep the times in order, as the window search needs.
    let at = this.recent.length;
    while (at > this.head && (this.recent[at - 1] ?? 0) > now) at--;
    if (at === this.recent.length) this.recent.push(now);
    else this.recent.splice(at, 0, now);
  }

  /** Index of the first time still inside the window at `now` (binary search from `head`). */
  private firstInWindow(now: number): number {
    const edge = now - this.windowMs;
    let lo = this.head;
    let hi = this.recent.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.recent[mid] ?? 0) > edge) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
