/** Reads topics back from a real Kafka from the beginning, for field-by-field comparison. */
import { Kafka, logLevel } from 'kafkajs';
import type { Consumer, KafkaMessage } from 'kafkajs';

export interface Received {
  topic: string;
  partition: number;
  key: string;
  value: unknown;
  headers: Record<string, string>;
}

export class KafkaReader {
  readonly received: Received[] = [];
  private waiters: (() => void)[] = [];

  private constructor(private readonly consumer: Consumer) {}

  static async start(brokers: string, topics: string[]): Promise<KafkaReader> {
    const kafka = new Kafka({ clientId: 'dipper-test-reader', brokers: [brokers], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `test-${process.pid}-${Date.now()}-${Math.random()}`, retry: { retries: 100 } });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    const reader = new KafkaReader(consumer);
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        reader.received.push({ topic, partition, ...decode(message) });
        for (const w of reader.waiters.splice(0)) w();
      },
    });
    return reader;
  }

  /** Waits until `n` messages (matching `filter`) arrived: woken by each, no deadline (tap's timeout bounds the file). */
  async wait(n: number, filter: (r: Received) => boolean = () => true): Promise<Received[]> {
    for (;;) {
      const got = this.received.filter(filter);
      if (got.length >= n) return got;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  close(): Promise<void> {
    return this.consumer.disconnect();
  }
}

function decode(m: KafkaMessage): Omit<Received, 'topic' | 'partition'> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
  return { key: m.key?.toString() ?? '', value: JSON.parse(m.value!.toString()), headers };
}
