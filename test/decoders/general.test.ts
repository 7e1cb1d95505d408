import t from 'tap';
import { decodeWire, encode } from '../../decoders/index.js';

t.test('0x0002 heartbeat round trip', async (t) => {
  const wire = encode({ msgId: 0x0002, version: '2013', phone: '13912345678', serial: 7, body: {} });
  const r = decodeWire(wire);
  t.ok(r.ok);
  if (r.ok) t.same(r.message, { msgId: 2, version: '2013', phone: '013912345678', serial: 7, body: {} });
});

t.test('a body missing a field is an encode error, not a TypeError', async (t) => {
  t.throws(() => encode({ msgId: 0x8300, version: '2013', phone: '13912345678', serial: 1, body: { flag: 1 } }), { name: 'Jt808Error', code: 'encode' });
  t.throws(() => encode({ msgId: 0x8103, version: '2013', phone: '13912345678', serial: 1, body: {} }), { name: 'Jt808Error', code: 'encode' });
});
