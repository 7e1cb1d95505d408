/**
 * Who a simulated terminal is: its kind, phone number (the JT/T 808 terminal ID), edition
 * and plate, fixed by the fleet before it starts.
 */
import type { Edition } from '../decoders/index.js';

export type Kind = 'vehicle' | 'bodycam' | 'handheld';

export interface TerminalSpec {
  index: number;
  kind: Kind;
  phone: string;
  edition: Edition;
  plate?: string;
}
