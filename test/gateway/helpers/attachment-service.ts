/**
 * The attachment service alone (gateway/attachments/service.ts) on a loopback port, with its
 * real media store under a temporary dataDir, for tests that need what a whole gateway does not
 * give them: the clock of its deadlines (`clock.ms`, moved by the test, so a deadline is passed
 * by saying so, never by waiting for it), the server side of each connection (`sockets`: whether
 * it is paused, what it has read) and the sinks' answer (`publish`, the test's to hold back).
 * Alarm numbers are issued as the 0x9208 trigger does (`issue`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayEvent } from '../../../events/model.js';
import { terminalId } from '../../../events/commands.js';
import { AttachmentService } from '../../../gateway/attachments/service.js';
import { Guard } from '../../../gateway/guard.js';
import { silentLogger } from '../../../gateway/log.js';
import { FileBlobs } from '../../../gateway/media/file-blobs.js';
import { MediaStore } from '../../../gateway/media/store.js';
import { Metrics } from '../../../gateway/metrics.js';
import type { GatewayConfig } from '../../../gateway/settings.js';
import { validate } from '../../../server/config.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface ServiceUnderTest {
  service: AttachmentService;
  port: number;
  dataDir: string;
  /** the service's clock: starts at a fixed time and moves only when the test moves it */
  clock: { ms: number };
  /** the server side of each accepted connection, in order */
  sockets: Socket[];
  /** an alarm number issued to `phone`'s terminal, as after its 0x9208 */
  issue(phone: string): string;
}

export async function attachmentService(t: Teardown, attachments: Partial<GatewayConfig['attachments']> = {}, publish: (events: readonly GatewayEvent[]) => Promise<void> = async () => undefined): Promise<ServiceUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dipper-attachment-service-'));
  const config = validate({ dataDir, attachments }).attachments;
  const metrics = new Metrics();
  const log = silentLogger();
  const clock = { ms: 1_700_000_000_000 };
  const service = new AttachmentService({ config, dataDir, media: new MediaStore(new FileBlobs(dataDir)), metrics, log, guard: new Guard(metrics, log), publish, now: () => clock.ms });
  service.prepare();
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    service.accept(socket, '127.0.0.1');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  service.port = (server.address() as AddressInfo).port;
  t.teardown(async () => {
    await service.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  });
  const identifier = { terminalId: 'T000101', time: '2026-03-01T07:59:40.000Z', seq: 1, attachments: 1, reserved: 0 };
  const issue = (phone: string) => service.numbers.issue({ terminal: terminalId(phone), org: '', category: 'vehicle', alarm: 'adas.forwardCollision', identifier })!.alarmNo;
  return { service, port: service.port, dataDir, clock, sockets, issue };
}
