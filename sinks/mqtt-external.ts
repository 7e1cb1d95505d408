/**
 * An external MQTT broker (mqtt.js) in place of the embedded one: the same topics as the
 * embedded broker (mqtt-topics.ts `topicOf`), QoS 1, the last valid live position retained.
 * `publish` resolves once the broker has PUBACKed every message; while disconnected it fails
 * at once (the wrapper retries; mqtt.js reconnects every second).
 *
 * EMQX-compatible mode (`emqx`): positions are also published as EMQX's JT/T 808 uplinks
 * (emqx.ts), and commands published on jt808/{phone}/{phone}/dn are sent to the terminal
 * through the same path as the HTTP commands API; the terminal's answer comes back on .../up.
 * Topic and header carry the phone as the terminal's header does (12 digits for 2013, 20 for
 * 2019, with proto_ver), learnt from its session through the CommandPort.
 */
import { connectMqtt } from './mqtt-connect.js';
import type { MqttClient } from 'mqtt';
import type { SinksConfig } from './settings.js';
import type { Logger } from 'pino';
import { jsonOf } from '../events/records.js';
import type { GatewayEvent } from '../events/model.js';
import { terminalId } from '../events/commands.js';
import type { CommandPort } from '../events/commands.js';
import { emqxLocation, emqxMessage, parseDownlink, phoneOfDownlink, speakerOf, upTopic } from './emqx.js';
import { topicOf } from './mqtt-topics.js';
import type { EventSink } from '../events/sink.js';

export type ExternalMqttOptions = SinksConfig['mqttExternal'];

/** Where EMQX-compatible downlinks go: the gateway's one way in for commands. */
export type CommandTarget = CommandPort;

const PUBLISH_TIMEOUT_MS = 10_000;

export class ExternalMqttSink implements EventSink {
  readonly name = 'mqtt';
  private target: CommandTarget | undefined;

  private constructor(
    readonly client: MqttClient,
    private readonly options: ExternalMqttOptions,
    private readonly log: Logger | undefined,
  ) {
    client.on('message', (topic, payload) => void this.downlink(topic, payload));
    client.on('error', (err) => log?.warn({ err, sink: 'mqtt' }, 'mqtt client error'));
    client.on('offline', () => log?.warn({ sink: 'mqtt', url: options.url }, 'mqtt broker unreachable; reconnecting'));
  }

  /** Connects once (a clear error when the broker is not there), then reconnects by itself. */
  static async start(options: ExternalMqttOptions, log?: Logger): Promise<ExternalMqttSink> {
    const client = await connectMqtt('mqtt', {
      url: options.url,
      clientId: options.clientId || `dipper-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      username: options.username,
      password: options.password,
    });
    const sink = new ExternalMqttSink(client, options, log);
    if (options.emqx) await client.subscribeAsync('jt808/+/+/dn', { qos: 1 });
    return sink;
  }

  /** Lets downlink commands reach terminals (EMQX mode). */
  attach(target: CommandTarget): void {
    this.target = target;
  }

  async publish(events: readonly GatewayEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (!this.client.connected) throw new Error(`mqtt: not connected to ${this.options.url}`);
    const sends: Promise<unknown>[] = [];
    for (const e of events) {
      const { topic, retain } = topicOf(this.options.topicPrefix, e);
      sends.push(this.client.publishAsync(topic, jsonOf(e), { qos: 1, retain }));
      if (this.options.emqx && e.kind === 'position') {
        // the terminal's own phone digits and edition, as EMQX's topic and header carry them
        const who = this.target?.speakerOf?.(e.position.terminal) ?? speakerOf(e.position.terminal);
        sends.push(this.client.publishAsync(upTopic(who.phone), JSON.stringify(emqxLocation(e.position, who)), { qos: 1 }));
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`mqtt: no PUBACK within ${PUBLISH_TIMEOUT_MS} ms`)), PUBLISH_TIMEOUT_MS);
    });
    try {
      await Promise.race([Promise.all(sends), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async downlink(topic: string, payload: Buffer): Promise<void> {
    const phone = phoneOfDownlink(topic);
    if (phone === undefined || !this.target) return;
    const log = this.log?.child({ sink: 'mqtt', phone });
    let command;
    try {
      command = parseDownlink(payload);
    } catch (err) {
      log?.warn({ err }, 'emqx downlink refused');
      return;
    }
    try {
      const answer = await this.target.command(terminalId(phone), command.msgId, command.body);
      // the topic names the phone of the answer's own header, as EMQX's does
      await this.client.publishAsync(upTopic(answer.phone), JSON.stringify(emqxMessage(answer)), { qos: 1 });
    } catch (err) {
      log?.warn({ err, msgId: command.msgId }, 'emqx downlink failed');
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
