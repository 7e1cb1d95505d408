/**
 * Alarm edges: the alarm DWORD of each live position is compared with the terminal's previous
 * one; each bit that rises becomes an Alarm `start`, each that falls an `end`, carrying the
 * Position. State is per terminal (not per session), so a reconnect does not re-raise alarms
 * already reported. Backfilled positions are history: they never move the state.
 *
 * Keyed by what terminals send, so bounded: only terminals with an alarm bit set are held
 * (no alarm is what a missing entry means), at most `max` (normalise.maxAlarmTerminals). Past
 * it the one whose alarm word changed longest ago is forgotten (counted): should its alarm
 * clear later, no `end` event is raised for it (its positions still carry the alarm word, so
 * the map shows the clearing); should it change, a `start` is raised again.
 */
import type { Alarm, Position } from '../../events/model.js';

export class AlarmTracker {
  /** in order of the last change: the first is the one to forget */
  private readonly last = new Map<string, { alarm: number; alarms: readonly string[] }>();
  constructor(
    private readonly max = 100_000,
    private readonly onEvict: () => void = () => undefined,
  ) {}

  /** terminals with an alarm held */
  get size(): number {
    return this.last.size;
  }

  update(position: Position): Alarm[] {
    if (position.backfill) return [];
    const previous = this.last.get(position.terminal) ?? NONE;
    const before = previous.alarm;
    const now = position.alarm;
    const changed = (before ^ now) >>> 0;
    if (changed === 0) return [];
    this.last.delete(position.terminal);
    if (now !== 0) {
      this.last.set(position.terminal, { alarm: now, alarms: position.alarms });
      if (this.last.size > this.max) {
        this.last.delete(this.last.keys().next().value!);
        this.onEvict();
      }
    }
    const out: Alarm[] = [];
    for (let bit = 0; bit < 32; bit++) {
      const mask = 2 ** bit;
      if (Math.floor(changed / mask) % 2 === 0) continue;
      const rising = Math.floor(now / mask) % 2 === 1;
      out.push({
        terminal: position.terminal,
        category: position.category,
        org: position.org,
        source: 'alarmWord',
        type: null,
        alarm: rising ? nameOf(bit, now, position.alarms) : nameOf(bit, before, previous.alarms),
        bit,
        state: rising ? 'start' : 'end',
        time: position.time,
        position,
      });
    }
    return out;
  }

  forget(terminal: string): void {
    this.last.delete(terminal);
  }
}

const NONE = { alarm: 0, alarms: [] as readonly string[] };

/**
 * The name of `bit` in `word`: the codec lists the names of set bits in ascending bit order
 * (in the frame's edition), so the n-th set bit is the n-th name.
 */
function nameOf(bit: number, word: number, names: readonly string[]): string {
  let n = 0;
  for (let b = 0; b < bit; b++) if (Math.floor(word / 2 ** b) % 2 === 1) n++;
  return names[n] ?? `bit${bit}`;
}
