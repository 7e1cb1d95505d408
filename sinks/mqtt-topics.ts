/**
 * MQTT topic names, the same for the embedded broker and an external one:
 *   {prefix}/{category}/{terminal}/position   retained (the last valid live position)
 *   {prefix}/{category}/{terminal}/alarm
 *   {prefix}/{category}/{terminal}/media
 *   {prefix}/{category}/{terminal}/duty       entered or left its duty area
 *   {prefix}/{category}/{terminal}/presence   retained (online at login, offline when its session ends)
 *   {prefix}/cases/{id}                       retained
 *   {prefix}/incidents/{id}                   retained (an alarm episode and its handling)
 */
import type { GatewayEvent } from '../events/model.js';

interface TerminalTopics {
  prefix: string;
  category: string;
  position: string;
  alarm: string;
  media: string;
  duty: string;
  presence: string;
}

/** A terminal's topics, made once: flat strings whose hashes V8 keeps for aedes' retained map and topic trie. */
const byTerminal = new Map<string, TerminalTopics>();
/** Bounds the cache when anonymous terminals bring ever new ids (registered fleets stay far below). */
const CACHE_LIMIT = 1 << 18;

function terminalTopics(prefix: string, category: string, terminal: string): TerminalTopics {
  let t = byTerminal.get(terminal);
  if (t === undefined || t.prefix !== prefix || t.category !== category) {
    if (byTerminal.size >= CACHE_LIMIT) byTerminal.clear();
    const base = `${prefix}/${category}/${terminal}`;
    t = { prefix, category, position: `${base}/position`, alarm: `${base}/alarm`, media: `${base}/media`, duty: `${base}/duty`, presence: `${base}/presence` };
    byTerminal.set(terminal, t);
  }
  return t;
}

export function topicOf(prefix: string, event: GatewayEvent): { topic: string; retain: boolean } {
  switch (event.kind) {
    case 'position': {
      const p = event.position;
      return { topic: terminalTopics(prefix, p.category, p.terminal).position, retain: !p.backfill && p.valid };
    }
    case 'alarm':
      return { topic: terminalTopics(prefix, event.alarm.category, event.alarm.terminal).alarm, retain: false };
    case 'media':
      return { topic: terminalTopics(prefix, event.media.category, event.media.terminal).media, retain: false };
    case 'case':
      return { topic: `${prefix}/cases/${event.case.id}`, retain: true };
    case 'incident':
      return { topic: `${prefix}/incidents/${event.incident.id}`, retain: true };
    case 'duty':
      return { topic: terminalTopics(prefix, event.duty.category, event.duty.terminal).duty, retain: false };
    case 'presence':
      return { topic: terminalTopics(prefix, event.presence.category, event.presence.terminal).presence, retain: true };
  }
}
