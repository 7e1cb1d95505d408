/**
 * The `kafka.brokers` setting read one way everywhere (config check, the Kafka sink, the
 * durable-delivery default, the standalone map's consumer): "host:port,host:port", spaces and
 * empty entries ignored; no entries = no Kafka. No kafkajs here: the config check imports it.
 */
export function kafkaBrokers(setting: string): string[] {
  return setting
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

/** The first entry that is not host:port, for the config check; undefined when all are. */
export function badBroker(setting: string): string | undefined {
  return kafkaBrokers(setting).find((b) => !/^[^\s:/]+:\d{1,5}$/.test(b));
}
