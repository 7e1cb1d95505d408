/**
 * What a media command's answer points at (issue 19): the command route adds it beside the
 * decoded reply, so a caller of takePhoto (0x8801), the stored media search (0x8802) or the
 * stored media uploads (0x8803, 0x8805) can find the files once the terminal uploads them
 * (0x0801, stored as media records):
 *   outcome   ok | failed | channel-unsupported | bad-message | unsupported: the answer's result
 *             code in words (0x0805: 0 ok, 1 failure, 2 channel not supported; 0x0001: 0 ok,
 *             1 failure, 2 message error, 3 not supported); `message` says it when not ok
 *   media     [{ mediaId, href }]: per media ID the answer named (0x0805's list when its result is
 *             0, 0x0802's items, 0x8805's own ID), GET href lists its record(s) once uploaded
 *   uploads   0x8801, 0x8803, 0x8805: GET it lists what the terminal uploaded since the command
 *             (0x8801 with save 1 keeps its files on the terminal: 0x8805 uploads one later, and
 *             the media hrefs still find it then)
 *
 * The href names the commanded terminal, never one from the answer: whatever IDs an answer
 * reports, they find only that terminal's records, within the caller's scope (GET /api/media's).
 * A terminal reuses its media IDs, so the hrefs of what a command makes it upload start at the
 * command (less the clock skew allowed between gateways: a relayed command's files are stamped
 * by the gateway holding the session); a 0x0802 item may have been uploaded before, so its href
 * has no start. At most MEDIA_LINKS_MAX distinct IDs are linked per answer; `mediaUnlinked`
 * counts the rest (a reply reassembled from parts may carry a million IDs; the links are our
 * own output and stay bounded). The reply may come through the command relay as plain JSON:
 * every field read here is checked, anything else is ignored.
 */
import { hexId } from '../gateway/metrics.js';

/** The commands whose answers get media links. */
export const MEDIA_COMMANDS: ReadonlySet<number> = new Set([0x8801, 0x8802, 0x8803, 0x8805]);

export const MEDIA_OUTCOMES = ['ok', 'failed', 'channel-unsupported', 'bad-message', 'unsupported'] as const;
export type MediaOutcome = (typeof MEDIA_OUTCOMES)[number];

/** Distinct media IDs linked per answer at most (a 0x0802 list or a burst of photos is far below it). */
export const MEDIA_LINKS_MAX = 1024;
/** How far before the command a gateway's clock may stamp what the command caused (the relay's allowed skew). */
export const CLOCK_SKEW_MS = 5_000;

export interface MediaLink {
  mediaId: number;
  /** GET: the terminal's records of this media ID (newest first), once it has uploaded it */
  href: string;
}

export interface MediaAnswer {
  outcome: MediaOutcome;
  /** what a result other than ok means, in the standard's words */
  message?: string;
  media: MediaLink[];
  /** media IDs the answer reported past the MEDIA_LINKS_MAX distinct ones linked (repeats included) */
  mediaUnlinked?: number;
  /** GET: what the terminal uploaded since the command */
  uploads?: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isMediaId = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;

/** The answer's result code in words: 0x0805's table, else 0x0001's. */
function outcomeOf(msgId: number, replyId: number, result: unknown): { outcome: MediaOutcome; message?: string } {
  if (result === 0) return { outcome: 'ok' };
  const code = typeof result === 'number' ? result : -1;
  if (replyId === 0x0805) {
    if (code === 2) return { outcome: 'channel-unsupported', message: 'the terminal has no camera on that channel (0x0805 result 2: channel not supported)' };
    return { outcome: 'failed', message: `the terminal could not take the photo or recording (0x0805 result ${code}${code === 1 ? ': failure' : ', not in the standard: taken as a failure'})` };
  }
  if (code === 2) return { outcome: 'bad-message', message: `the terminal took ${hexId(msgId)} for a malformed message (0x0001 result 2: message error)` };
  if (code === 3) return { outcome: 'unsupported', message: `the terminal does not support ${hexId(msgId)} (0x0001 result 3: not supported)` };
  return { outcome: 'failed', message: `the terminal refused or failed ${hexId(msgId)} (0x0001 result ${code}${code === 1 ? ': failure' : ', not in the standard: taken as a failure'})` };
}

/** The media IDs an answer names, as the standard lays them out (nothing from a failure: 0x0805's IDs mean something only when its result is 0). */
function reportedIds(msgId: number, replyId: number, body: Json, command: Json): unknown[] {
  if (replyId === 0x0805 && body.result === 0 && Array.isArray(body.mediaIds)) return body.mediaIds;
  if (replyId === 0x0802 && Array.isArray(body.items)) return body.items.map((i) => (isObject(i) ? i.mediaId : undefined));
  if (msgId === 0x8805 && replyId === 0x0001 && body.result === 0) return [command.mediaId];
  return [];
}

/** The query of GET /api/media that finds them. */
function href(query: Record<string, string>): string {
  return `/api/media?${new URLSearchParams(query).toString()}`;
}

/**
 * The links of a media command's answer; undefined for other commands. `terminal` is the one
 * commanded (as the route reads it), `command` the body sent, `sentAt` when the route sent it.
 */
export function mediaAnswer(msgId: number, command: object, reply: unknown, terminal: string, sentAt: number): MediaAnswer | undefined {
  if (!MEDIA_COMMANDS.has(msgId) || !isObject(reply) || !isObject(reply.body)) return undefined;
  const replyId = typeof reply.msgId === 'number' ? reply.msgId : -1;
  const body = reply.body;
  const asked = command as Json;
  // a search answer is a list: it has no result code
  const { outcome, message } = replyId === 0x0802 ? { outcome: 'ok' as const, message: undefined } : outcomeOf(msgId, replyId, body.result);
  const from = new Date(sentAt - CLOCK_SKEW_MS).toISOString();
  const since: Record<string, string> = msgId === 0x8802 ? {} : { from };

  const media: MediaLink[] = [];
  const linked = new Set<number>();
  let unlinked = 0;
  for (const id of reportedIds(msgId, replyId, body, asked)) {
    // a 2011 terminal's 0x0802 items have no media ID: nothing to link
    if (!isMediaId(id) || linked.has(id)) {
      if (isMediaId(id)) unlinked++;
      continue;
    }
    if (linked.size >= MEDIA_LINKS_MAX) {
      unlinked++;
      continue;
    }
    linked.add(id);
    media.push({ mediaId: id, href: href({ terminal, mediaId: String(id), ...since }) });
  }

  const answer: MediaAnswer = { outcome, ...(message !== undefined ? { message } : {}), media };
  if (unlinked > 0) answer.mediaUnlinked = unlinked;
  if (outcome === 'ok' && msgId !== 0x8802) {
    // what was asked for: video when 0x8801 records (command 0xFFFF), else its photos; 0x8803's type
    const type = msgId === 0x8801 ? (asked.command === 0xffff ? '2' : '0') : msgId === 0x8803 && isMediaId(asked.type) ? String(asked.type) : undefined;
    answer.uploads = href({ terminal, from, ...(type !== undefined ? { type } : {}) });
  }
  return answer;
}
