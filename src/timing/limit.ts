// At most `max` actions in any sliding window of `windowMs` (airtime of DMs, pushes).

export class SlidingLimit {
  private recent: number[] = [];

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Takes one slot at `now` (epoch ms); false when the window is full. */
  take(now: number): boolean {
    this.recent = this.recent.filter((t) => t > now - this.windowMs);
    if (this.recent.length >= this.max) return false;
    this.recent.push(now);
    return true;
  }
}
