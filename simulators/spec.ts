/**
 * Who a simulated terminal is: its kind, phone number (the JT/T 808 terminal ID), edition,
 * plate and whether it has active-safety units, fixed by the fleet before it starts.
 */
import type { Edition } from '../decoders/index.js';

export type Kind = 'vehicle' | 'bodycam' | 'handheld';

export interface TerminalSpec {
  index: number;
  kind: Kind;
  phone: string;
  edition: Edition;
  plate?: string;
  /** A vehicle with ADAS/DSM units (scenario activeSafety.share): raises Su-biao alarms and uploads their files. */
  activeSafety?: boolean;
}
