/**
 * What a session sees of the gateway: settings, shared services and the few calls that cross
 * sessions (attach on login, publish to the sinks). An interface, so sessions and handlers do
 * not import the Gateway class (no cycle) and tests could drive them with a small one.
 */
import type { ReassemblyBudget } from '../../decoders/index.js';
import type { AttachmentService } from '../attachments/service.js';
import type { GatewayConfig } from '../settings.js';
import type { Guard } from '../guard.js';
import type { Logger } from '../log.js';
import type { MediaStore } from '../media/store.js';
import type { Metrics } from '../metrics.js';
import type { GatewayEvent } from '../../events/model.js';
import type { NormaliseContext } from '../normalise/index.js';
import type { DeviceRegistry } from '../registry/devices.js';
import type { RegistrationStore } from '../registry/registrations.js';
import type { CloseReason } from './close-reason.js';
import type { RegistrationLimiter } from './registration-limiter.js';
import type { Session } from './session.js';

export interface GatewayContext {
  readonly config: GatewayConfig;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Reports what a callback threw (counted, logged once a minute per place) instead of letting it end the process. */
  readonly guard: Guard;
  readonly registry: DeviceRegistry;
  readonly normalise: NormaliseContext;
  readonly media: MediaStore;
  /** T/JSATL12 attachments: the alarm numbers 0x9208 issues, the uploads on the attachment port */
  readonly attachments: AttachmentService;
  /** Phone -> terminal ID of phones the registry does not bind (0x8100 result 3 for another ID). */
  readonly registrations: RegistrationStore;
  /** 0x0100 per source address (0x8100 result 2 past auth.registrationsPerMinute). */
  readonly registrationLimiter: RegistrationLimiter;
  /** Reassembly state shared by all sessions (reassembly.maxEntriesTotal, maxBytesTotal). */
  readonly reassemblyBudget: ReassemblyBudget;
  /** The session of `terminal` (authenticated, or anonymous when allowed), if any. */
  sessionOf(terminal: string): Session | undefined;
  /** Makes `session` the one session of its terminal, closing an older one. */
  attach(session: Session): void;
  /** The session is closing. */
  detach(session: Session, reason: CloseReason): void;
  /** Resolves once every sink has the events; pauses `session` when the queue is full. */
  publish(session: Session, events: readonly GatewayEvent[]): Promise<void>;
}
