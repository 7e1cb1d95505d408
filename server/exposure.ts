/**
 * Who can reach the API and the embedded MQTT broker. With no `api.tokens` neither asks for a
 * credential (anyone reaching them reads every terminal and sends commands), so they listen on
 * loopback only by default; another address without tokens is a configuration error unless
 * `api.insecure` says the operator accepts that. The JT/T 808 listeners are not concerned:
 * terminals authenticate themselves and stay on all addresses.
 */
import { isIP } from 'node:net';
import type { Config } from './config.js';

/** 127.0.0.0/8, ::1 (and its IPv4-mapped form), or the name "localhost". */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.split('.')[0] === '127';
}

export interface Listener {
  setting: 'http.host' | 'mqtt.host';
  host: string;
}

/** The credential-less listeners this configuration opens: the API, and the embedded broker unless an external one is used. */
export function openListeners(config: Config): Listener[] {
  const out: Listener[] = [{ setting: 'http.host', host: config.http.host }];
  if (!config.mqttExternal.url) out.push({ setting: 'mqtt.host', host: config.mqtt.host });
  return out;
}

/** The first listener reachable from the network without a credential, unless tokens or api.insecure cover it. */
export function unprotectedListener(config: Config): Listener | undefined {
  if (config.api.tokens.length > 0 || config.api.insecure) return undefined;
  return openListeners(config).find((l) => !isLoopback(l.host));
}

/** What start-up says about its listeners: a warning when api.insecure opens them to the network. */
export function exposureNotice(config: Config): { level: 'info' | 'warn'; fields: Record<string, string>; message: string } {
  const fields: Record<string, string> = { jt808: config.jt808.host, http: config.http.host };
  if (!config.mqttExternal.url) fields.mqtt = config.mqtt.host;
  const listeners = openListeners(config);
  if (config.api.tokens.length > 0) return { level: 'info', fields, message: 'listening: JT/T 808 for terminals; API and MQTT ask for an API token' };
  const exposed = listeners.filter((l) => !isLoopback(l.host));
  if (exposed.length > 0) {
    return {
      level: 'warn',
      fields,
      message: `api.insecure: ${exposed.map((l) => `${l.setting} ${l.host}`).join(', ')} open to the network with no api.tokens: anyone reaching it reads every terminal and sends commands`,
    };
  }
  return { level: 'info', fields, message: 'listening: JT/T 808 for terminals; API and MQTT on loopback only (no api.tokens): configure tokens and DIPPER_HTTP_HOST / DIPPER_MQTT_HOST to serve the network' };
}
