/**
 * One connection to the deployment's MQTT broker, as the external sink and the command relay
 * both make it: mqtt.js reconnecting every second and resubscribing by itself (subscriptions come
 * back with the session after a broker restart), but the first connect awaited, so a wrong URL or
 * a broker that is not there stops the start with a clear error (`what: cannot connect to URL`)
 * instead of a gateway that silently publishes nowhere.
 */
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';

export interface BrokerLogin {
  url: string;
  clientId: string;
  username?: string | undefined;
  password?: string | undefined;
}

export async function connectMqtt(what: string, login: BrokerLogin): Promise<MqttClient> {
  const client = mqtt.connect(login.url, {
    clientId: login.clientId,
    username: login.username || undefined,
    password: login.password || undefined,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
    clean: true,
    resubscribe: true,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('offline', () => reject(new Error('broker unreachable')));
    });
  } catch (e) {
    client.end(true);
    throw new Error(`${what}: cannot connect to ${login.url}: ${(e as Error).message}`, { cause: e });
  }
  return client;
}
