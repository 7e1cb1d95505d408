/**
 * Who may do what on the embedded MQTT broker (aedes' hooks), by the same API tokens and scopes
 * as the HTTP API:
 * - With tokens configured, a client connects with an API token as its password (any user
 *   name) and the `read` right; anyone else gets CONNACK 5 (not authorised). With none, the
 *   broker is open, as the API is, and listens on loopback only (config.ts).
 * - Sessions are clean: a CONNECT with clean session 0 is refused (CONNACK 2), because aedes
 *   would queue every QoS 1 message for a persistent session whose client is away, unbounded.
 * - Subscriptions: only under the topic prefix (`$SYS/#`, `#` and anything else are refused),
 *   at most `mqtt.maxSubscriptions` filters per client. Wildcards are allowed; a scoped token is
 *   then sent only its own terminals' and cases' messages: each message is checked as it is
 *   forwarded to that client (authorizeForward), retained ones included: a terminal's from the
 *   terminal id in its topic (one string scan and one map lookup), a case's from the org in
 *   the message (case ids are unique per org unit only, so the topic does not tell); nothing
 *   for city-wide subscribers; refusing wildcards instead would make every map
 *   client subscribe per terminal.
 * - Publishes: refused from every client. Only the gateway publishes here; the EMQX-compatible
 *   downlink (`jt808/+/+/dn`) is an external broker's feature (sinks/emqx.ts), not this one's.
 */
import type { Aedes, AuthenticateError, Client } from 'aedes';
import type { Grant, TokenTable } from '../events/tokens.js';
import { within } from '../events/scope.js';

export const MQTT_REFUSALS = ['bad-credentials', 'max-clients', 'packet-too-large', 'publish', 'subscribe-scope', 'subscribe-limit', 'slow-client', 'persistent-session', 'client-id-taken'] as const;
export type MqttRefusal = (typeof MQTT_REFUSALS)[number];

export interface MqttAccessOptions {
  tokens: TokenTable;
  prefix: string;
  maxSubscriptions: number;
  /** the org unit of a terminal (registry or live index), undefined when unknown */
  orgOfTerminal: (terminal: string) => string | undefined;
  refused: (reason: MqttRefusal) => void;
  /** a message withheld from a scoped subscriber */
  filtered: () => void;
}

/** The subset of aedes the hooks are set on. */
type Hooks = Pick<Aedes, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward' | 'on'>;

interface ClientState {
  grant: Grant | undefined;
  filters: Set<string>;
}

export function applyMqttAccess(broker: Hooks, options: MqttAccessOptions): void {
  const { tokens, prefix } = options;
  const under = `${prefix}/`;
  const casesUnder = `${prefix}/cases/`;
  const incidentsUnder = `${prefix}/incidents/`;
  const states = new WeakMap<Client, ClientState>();
  /** connected clients by id, with the grant they connected with (as many as mqtt.maxClients) */
  const byId = new Map<string, { client: Client; grant: Grant | undefined }>();
  broker.on('clientDisconnect', (client) => {
    if (byId.get(client.id)?.client === client) byId.delete(client.id);
  });

  broker.authenticate = (client, _username, password, done) => {
    const grant = tokens.open ? undefined : password && password.length > 0 ? tokens.find(password) : undefined;
    if (!tokens.open && (!grant || !grant.rights.has('read'))) {
      options.refused('bad-credentials');
      const error = Object.assign(new Error('an API token with the read right is required as the MQTT password'), { returnCode: 5 }) as AuthenticateError;
      return done(error, false);
    }
    if (!client.clean) {
      // aedes keeps a persistent session's QoS 1 messages in memory while its client is away,
      // with no bound: one such client, gone, would hold every later message until the process ends
      options.refused('persistent-session');
      const error = Object.assign(new Error('persistent sessions are not kept here: connect with clean session 1'), { returnCode: 2 }) as AuthenticateError;
      return done(error, false);
    }
    // MQTT lets a new connection with a client's id take its place: only the same token may, or
    // anyone who learnt a dashboard's id could keep knocking it off
    const holder = byId.get(client.id);
    if (holder !== undefined && holder.client !== client && holder.grant !== grant) {
      options.refused('client-id-taken');
      const error = Object.assign(new Error('this client id is connected with another token'), { returnCode: 2 }) as AuthenticateError;
      return done(error, false);
    }
    states.set(client, { grant, filters: new Set() });
    byId.set(client.id, { client, grant });
    done(null, true);
  };

  broker.authorizePublish = (client, _packet, done) => {
    if (client === null) return done(null); // the gateway's own publishes
    options.refused('publish');
    done(new Error('clients do not publish on this broker'));
  };

  broker.authorizeSubscribe = (client, subscription, done) => {
    const state = states.get(client);
    const topic = subscription.topic;
    if (!state || !(topic === prefix || topic.startsWith(under))) {
      options.refused('subscribe-scope');
      return done(null, null); // SUBACK 0x80 for this filter; the others stand
    }
    if (!state.filters.has(topic) && state.filters.size >= options.maxSubscriptions) {
      options.refused('subscribe-limit');
      return done(null, null);
    }
    state.filters.add(topic);
    done(null, subscription);
  };

  broker.authorizeForward = (client, packet) => {
    const grant = states.get(client)?.grant;
    if (grant === undefined || grant.org === '') return packet;
    const org = orgOfTopic(packet.topic, packet.payload);
    if (org !== undefined && within(grant.org, org)) return packet;
    options.filtered();
    return null;
  };

  /**
   * `{prefix}/{category}/{terminal}/{kind}` (mqtt-topics.ts): the terminal's org. `{prefix}/cases/{id}`:
   * the org the message itself names. Case ids are unique per org unit only, so two districts'
   * cases share a topic and its retained copy, which is whichever was published last; the org
   * of "the" case with that id (the store's, at forwarding time) can be another district's.
 * `{prefix}/incidents/{id}`: likewise the org its message names.
   */
  function orgOfTopic(topic: string, payload: string | Buffer): string | undefined {
    if (topic.startsWith(casesUnder) || topic.startsWith(incidentsUnder)) return orgOfCase(payload);
    const category = topic.indexOf('/', under.length);
    const terminal = category < 0 ? -1 : topic.indexOf('/', category + 1);
    return terminal < 0 ? undefined : options.orgOfTerminal(topic.slice(category + 1, terminal));
  }
}

/** The org of a Case or Incident event's JSON (events/case.ts, events/incident.ts); undefined when it names none (withheld). */
function orgOfCase(payload: string | Buffer): string | undefined {
  try {
    const org = (JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8')) as { org?: unknown } | null)?.org;
    return typeof org === 'string' ? org : undefined;
  } catch {
    return undefined;
  }
}
