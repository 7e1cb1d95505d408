/**
 * Located messages -> events. Each location (0x0200, each item of 0x0704, the body of 0x0201
 * and 0x0500) becomes a Position (0x0801's basic block becomes its Media event's); live ones also feed the alarm
 * tracker, whose edges become Alarm events right after their Position, and their T/JSATL12
 * active-safety items (ADAS, DSM, TPMS, BSD) become Alarm events with their own fix. A location
 * whose tail was a vendor block rather than items is counted (dipper_location_vendor_blocks_total).
 */
import type { Metrics } from '../metrics.js';
import type { Device } from '../registry/devices.js';
import { activeSafetyAlarms } from './active-safety.js';
import type { AlarmTracker } from './alarms.js';
import type { GatewayEvent, Position } from '../../events/model.js';
import { toPosition } from './position.js';
import type { LocationLike, NormaliseOptions } from './position.js';

export interface NormaliseContext {
  options: NormaliseOptions;
  alarms: AlarmTracker;
  metrics: Metrics;
}

export function positionOf(loc: LocationLike, device: Device, receivedAt: number, backfill: boolean, ctx: NormaliseContext): Position {
  const { position, invalid } = toPosition(loc, device, receivedAt, backfill, ctx.options);
  if (invalid) ctx.metrics.invalidFixes.inc({ reason: invalid });
  return position;
}

export function locationEvents(locs: readonly LocationLike[], device: Device, backfill: boolean, ctx: NormaliseContext, receivedAt = Date.now()): GatewayEvent[] {
  const events: GatewayEvent[] = [];
  for (const loc of locs) {
    // bytes after the basic block that were not items: counted, so a fleet of such terminals shows
    if ((loc.extras as { vendorBlock?: unknown } | undefined)?.vendorBlock !== undefined) ctx.metrics.vendorBlocks.inc();
    const position = positionOf(loc, device, receivedAt, backfill, ctx);
    events.push({ kind: 'position', position });
    for (const alarm of ctx.alarms.update(position)) events.push({ kind: 'alarm', alarm });
    if (!backfill) {
      for (const alarm of activeSafetyAlarms(loc.extras, loc, device, (l) => positionOf(l, device, receivedAt, false, ctx))) events.push({ kind: 'alarm', alarm });
    }
  }
  return events;
}
