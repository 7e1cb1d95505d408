/**
 * Decode CLI (a contract): reads hex on stdin, one escaped wire frame (7e...7e) per line, and
 * prints exactly one JSON line per input line:
 *   {"ok":true,"message":{"msgId":512,"version":"2013","phone":"...","serial":7,"body":{...}}}
 *   {"ok":false,"error":"checksum","detail":"..."}
 * Whitespace inside a line is ignored, so spaced hex dumps can be pasted as they are.
 * Usage: npm run --silent decode < frames.txt
 */
import { createInterface } from 'node:readline';
import { decodeWire } from './decode.js';
import { toJson } from './json.js';

export function decodeLine(line: string): string {
  const clean = line.replace(/\s+/g, '');
  if (clean.length === 0) return toJson({ ok: false, error: 'hex', detail: 'empty line' });
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(clean)) return toJson({ ok: false, error: 'hex', detail: 'not an even number of hex digits' });
  const r = decodeWire(Buffer.from(clean, 'hex'));
  if (r.ok) return toJson({ ok: true, message: r.message });
  return toJson(r.header ? { ok: false, error: r.error.code, detail: r.error.detail, header: r.header } : { ok: false, error: r.error.code, detail: r.error.detail });
}

async function main(): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let out = '';
  for await (const line of lines) {
    out += decodeLine(line) + '\n';
    if (out.length > 65536) {
      if (!process.stdout.write(out)) await new Promise((resolve) => process.stdout.once('drain', resolve));
      out = '';
    }
  }
  process.stdout.write(out);
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
