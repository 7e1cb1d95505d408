/**
 * 0x9208 after an active-safety alarm (T/JSATL12-2017 §4.5.4): when a live 0x0200's ADAS, DSM,
 * TPMS or BSD item carries an alarm identifier whose attachment count is above 0, its terminal is
 * sent where to upload them (the attachment server's address and TCP port; UDP 0: not offered),
 * the identifier as received (its regional layout kept: the encoder follows `region`) and a fresh
 * alarm number, random, which is what lets a connection to the attachment port upload for it.
 *
 * The address: attachments.advertise (host[:port]) when set, else the local address of the
 * terminal's own 808 connection (it reached us there) with the attachment listener's port.
 * Nothing is sent when no listener runs (attachments.port 0), or for blind-area backfill (its
 * alarms raise no incident, and the terminal's files of a past day are not asked for here).
 */
import type { LocationExtras, SuBiaoAlarmIdentifier } from '../../decoders/index.js';
import { ACTIVE_SAFETY_SOURCES, activeSafetyName } from '../normalise/active-safety.js';
import type { LocationLike } from '../normalise/position.js';
import type { Session } from '../session/session.js';
import type { AttachmentService } from './service.js';

/** The 0x9208 reserved bytes: zeros. */
const RESERVED = Buffer.alloc(16);

/** host[:port], [v6]:port or a bare v6 address; undefined port: the listener's. */
export function parseAdvertise(text: string): { host: string; port: number | undefined } {
  const bracket = /^\[([^\]]+)\](?::([0-9]{1,5}))?$/.exec(text);
  if (bracket) return { host: bracket[1]!, port: bracket[2] === undefined ? undefined : Number(bracket[2]) };
  const plain = /^([^:]+):([0-9]{1,5})$/.exec(text);
  if (plain) return { host: plain[1]!, port: Number(plain[2]) };
  return { host: text, port: undefined };
}

/** Where the terminal of `session` should connect, or undefined when there is nowhere to say. */
function addressFor(session: Session, service: AttachmentService): { host: string; port: number } | undefined {
  const listening = service.port;
  if (listening === undefined) return undefined;
  const advertised = service.config.advertise ? parseAdvertise(service.config.advertise) : undefined;
  if (advertised) return { host: advertised.host, port: advertised.port ?? listening };
  const local = session.connection.localAddress;
  if (!local) return undefined;
  // an IPv4 terminal on a dual-stack socket: its own address form
  return { host: local.startsWith('::ffff:') ? local.slice(7) : local, port: listening };
}

/** Sends 0x9208 for every active-safety item of `locs` whose identifier has attachments. */
export function requestAttachments(session: Session, service: AttachmentService, locs: readonly LocationLike[]): void {
  if (service.port === undefined || session.closed || !session.device) return;
  for (const loc of locs) {
    const extras = loc.extras as LocationExtras | undefined;
    if (!extras) continue;
    for (const source of ACTIVE_SAFETY_SOURCES) {
      const item = extras[source];
      const identifier: SuBiaoAlarmIdentifier | undefined = item?.identifier;
      if (!item || !identifier || identifier.attachments === 0) continue;
      const { metrics } = service;
      const to = addressFor(session, service);
      if (!to) {
        metrics.attachmentRequests.inc({ outcome: 'no-address' });
        continue;
      }
      const device = session.device;
      const issued = service.numbers.issue({ terminal: device.terminal, org: device.org, category: device.category, alarm: activeSafetyName(source, 'type' in item ? item.type : null), identifier });
      if (!issued) {
        metrics.attachmentRequests.inc({ outcome: 'no-room' });
        continue;
      }
      try {
        session.send(0x9208, { ip: to.host, tcpPort: to.port, udpPort: 0, identifier, alarmNo: issued.alarmNo, reserved: RESERVED });
      } catch {
        // an address over 255 bytes, a terminal ID too long for its layout: nothing a terminal can be sent
        metrics.attachmentRequests.inc({ outcome: 'unencodable' });
        continue;
      }
      metrics.attachmentRequests.inc({ outcome: 'sent' });
    }
  }
}
