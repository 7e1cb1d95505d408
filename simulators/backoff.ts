/**
 * Reconnect delays: capped exponential backoff with jitter. Each wait is the current step
 * times a draw in [0.5, 1) from the terminal's network stream (never its behaviour stream,
 * so a refused connection does not shift what the terminal later sends); the step doubles
 * up to the cap, and a successful login resets it.
 */
import type { Rng } from './rng.js';

export class Backoff {
  private stepMs: number;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly rng: Rng,
  ) {
    this.stepMs = minMs;
  }

  next(): number {
    const wait = this.stepMs * this.rng.float(0.5, 1.0);
    this.stepMs = Math.min(this.maxMs, this.stepMs * 2);
    return wait;
  }

  reset(): void {
    this.stepMs = this.minMs;
  }
}
