/** `kafka.brokers` read one way (sinks/kafka-brokers.ts) by the config check, the sinks and the delivery default. */
import t from 'tap';
import { badBroker, kafkaBrokers } from '../../sinks/kafka-brokers.js';
import { isDurable } from '../../sinks/external.js';
import { validate } from '../../server/config.js';

t.test('the list: split on commas, spaces and empty entries ignored', async (t) => {
  t.same(kafkaBrokers(''), []);
  t.same(kafkaBrokers(' , ,'), []);
  t.same(kafkaBrokers('a:9092'), ['a:9092']);
  t.same(kafkaBrokers(' a:9092 ,, b.example:19092 '), ['a:9092', 'b.example:19092']);
});

t.test('the config check names the first entry that is not host:port', async (t) => {
  t.equal(badBroker('a:9092, b:9093'), undefined);
  t.equal(badBroker('a:9092, b, c:1'), 'b');
  t.equal(badBroker('kafka://a:9092'), 'kafka://a:9092');
  t.throws(() => validate({ kafka: { brokers: 'a:9092,b' } }), /kafka\.brokers: "b" is not host:port/);
});

t.test('only separators: no Kafka, so fast delivery by default', async (t) => {
  t.equal(isDurable(validate({ kafka: { brokers: ' , ' } })), false);
  t.equal(isDurable(validate({ kafka: { brokers: ' a:9092 , ' } })), true);
});
