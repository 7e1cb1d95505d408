/** Every position in Kafka's dipper.positions, as "terminal/device time" keys (the dedup key's tail). */
import { Kafka, logLevel } from 'kafkajs';

export async function positionsInKafka(brokers: string, expected: number, maxWaitMs = 60_000): Promise<Set<string>> {
  const kafka = new Kafka({ clientId: 'dipper-chaos-reader', brokers: [brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `chaos-${process.pid}-${Date.now()}` });
  const seen = new Set<string>();
  await consumer.connect();
  await consumer.subscribe({ topics: ['dipper.positions'], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const dedup = message.headers?.dedup?.toString() ?? '';
      seen.add(dedup.replace(/^position\//, ''));
    },
  });
  const deadline = Date.now() + maxWaitMs;
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    if (seen.size !== last) {
      last = seen.size;
      stableSince = Date.now();
    } else if (seen.size >= expected && Date.now() - stableSince > 3000) break;
  }
  await consumer.disconnect();
  return seen;
}
