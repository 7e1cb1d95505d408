/** A terminal's 0x0801 upload over TCP, answered to the end (every 0x8800 that asks for parts again), and evidence uploads over HTTP. */
import { createHash } from 'node:crypto';
import type { Message } from '../../decoders/index.js';
import type { TestTerminal } from '../gateway/helpers/terminal.js';
import { locationBody } from '../gateway/helpers/terminal.js';

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** sends `data` in packages of 900 bytes and waits for the 0x8800 that lists no missing package */
export async function uploadOver808(term: TestTerminal, mediaId: number, data: Buffer, kind: { type: number; format: number; event?: number } = { type: 0, format: 0 }): Promise<void> {
  const { frames } = term.sendParts(0x0801, { mediaId, type: kind.type, format: kind.format, event: kind.event ?? 0, channel: 1, location: locationBody(), data }, 900);
  for (;;) {
    const answer = (await term.next((m) => m.msgId === 0x8800 && (m as Message<{ mediaId: number }>).body.mediaId === mediaId)) as Message<{ mediaId: number; retransmitIds?: number[] }>;
    if (!answer.body.retransmitIds) return;
    for (const id of answer.body.retransmitIds) term.writeRaw(frames[id - 1]!);
  }
}

/** a file POSTed as itself (the evidence upload), JSON answer when there is one */
export async function postFile(port: number, token: string, path: string, data: Buffer, contentType: string): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body: data });
  const text = await res.text();
  return { status: res.status, json: res.headers.get('content-type')?.includes('json') && text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

/** the bytes a route serves */
export async function fetchBytes(port: number, token: string, path: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}
