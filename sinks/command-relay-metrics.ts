/**
 * The command relay's metrics (command-relay.ts), on the gateway's registry. Labels are closed
 * sets (relay-wire.ts), every series present from the start.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { RELAY_OUTCOMES, RELAY_REFUSALS } from './relay-wire.js';

/** `requested`: this gateway relayed a command to another; `served`: it ran one for another. */
export type RelayRole = 'requested' | 'served';
/** Beyond the holder's outcomes, a requester's command may find the relay busy or its broker gone (503). */
export type RelayCount = (typeof RELAY_OUTCOMES)[number] | 'busy';

export class CommandRelayMetrics {
  readonly relayed: Counter<'role' | 'outcome'>;
  readonly refused: Counter<'reason'>;
  readonly pending: Gauge;
  readonly replayIds: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.relayed = new Counter({ name: 'dipper_command_relay_total', help: 'Commands relayed over the broker to the gateway holding the terminal (role="requested") or run here for another gateway (role="served"), by outcome', labelNames: ['role', 'outcome'], registers });
    this.refused = new Counter({ name: 'dipper_command_relay_refused_total', help: 'Relay messages refused: too large, unsigned, a bad signature, malformed, stale (issuedAt over 30 s from now), late (a request past its accept window plus 5 s of clock skew: nobody waits for it), a replayed id, the replay cache full (refused rather than forget a fresh id), an unknown command', labelNames: ['reason'], registers });
    this.pending = new Gauge({ name: 'dipper_command_relay_pending', help: 'Relayed commands and presence questions waiting for an answer (at most commands.maxRelayed of each; commands.maxRelayedPerToken commands of one token)', registers });
    this.replayIds = new Gauge({ name: 'dipper_command_relay_replay_ids', help: 'Relay request ids remembered to refuse replays (at most 100,000, each for 60 s; full: new requests refused)', registers });
    for (const outcome of [...RELAY_OUTCOMES, 'busy'] as const) {
      this.relayed.inc({ role: 'requested', outcome }, 0);
      if (outcome !== 'busy') this.relayed.inc({ role: 'served', outcome }, 0);
    }
    for (const reason of RELAY_REFUSALS) this.refused.inc({ reason }, 0);
  }
}
