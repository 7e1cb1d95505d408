/**
 * A well-behaved terminal whose frame -> 0x8001 latency is the yardstick of the floods and
 * chaos scripts: it logs in and sends a location report every `everyMs`, one at a time.
 */
import { TestTerminal, locationBody } from '../../test/gateway/helpers/terminal.js';

export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
  /** reports that got no 0x8001 within 5 s */
  unanswered: number;
}

export function summarise(samples: number[], unanswered = 0): LatencySummary {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { n: s.length, p50: r(at(0.5)), p99: r(at(0.99)), max: r(s.at(-1) ?? NaN), unanswered };
}

export class Probe {
  private constructor(private readonly terminal: TestTerminal) {}

  static async start(port: number, phone = '013800000001'): Promise<Probe> {
    const terminal = await TestTerminal.tcp(port, { phone });
    await terminal.login();
    return new Probe(terminal);
  }

  /** Reports for `ms` milliseconds, one every `everyMs`; the latency of each answer. */
  async measure(ms: number, everyMs = 20): Promise<LatencySummary> {
    const samples: number[] = [];
    let unanswered = 0;
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const at = performance.now();
      const serial = this.terminal.send(0x0200, locationBody());
      try {
        await this.terminal.ackOf(serial);
        samples.push(performance.now() - at);
      } catch {
        unanswered++;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
    return summarise(samples, unanswered);
  }

  close(): void {
    this.terminal.close();
  }
}
