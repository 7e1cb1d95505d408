/**
 * The decode CLI is a contract: `npm run --silent decode` reads one hex frame per line and
 * prints exactly one JSON line per input line, valid against the published schema.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import t from 'tap';

const schema = JSON.parse(readFileSync(new URL('../../decoders/schema/message.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(schema);

const input = [
  // traccar HuabaoProtocolDecoderTest: 0x0200 (values worked out in location.test.ts)
  '7E0200002A013833501744001900000000000000C201597FA806CC01580080000000081508180721210104000002F502020000030200009F7E',
  // traccar HuabaoProtocolDecoderTest: heartbeat, phone 043048325465 serial 0x00b7
  '7e0002000004304832546500b7ca7e',
  // the same heartbeat with its check byte altered
  '7e0002000004304832546500b7cb7e',
  // the standard's escape example payload "30 7e 08 7d 55" is not a valid header: truncated
  '7E307D02087D01557E',
  // body-length field 5 but no body
  '7e0002000504304832546500b7cf7e',
  // a lone 7d at the end of the content
  '7e0002000004304832546500b7ca7d7e',
  // a part of a subpackaged 0x0801: attrs 0x2003 (subpackage, 3 bytes), phone, serial 1,
  // total 2, index 1, body 010203; check byte = XOR of those 19 bytes, worked out by hand
  '7e 0801 2003 013912345678 0001 0002 0001 010203 18 7e',
  '',
  'GET / HTTP/1.1',
  // two flags with nothing between them (decoders/errors.ts: 'empty')
  '7e7e',
];

t.test('one JSON line per input line, matching the contract and the schema', async (t) => {
  const r = spawnSync('npm', ['run', '--silent', 'decode'], { input: input.join('\n') + '\n', encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  t.equal(lines.length, input.length, 'exactly one output line per input line');
  const out = lines.map((l) => JSON.parse(l));
  for (const [i, o] of out.entries()) t.ok(validate(o), `line ${i + 1} matches the schema ${JSON.stringify(validate.errors)}`);

  t.same(out[0].message.body.lat, 22.6426);
  t.same(
    { msgId: out[0].message.msgId, version: out[0].message.version, phone: out[0].message.phone, serial: out[0].message.serial },
    { msgId: 512, version: '2013', phone: '013833501744', serial: 25 },
  );
  t.same(out[1], { ok: true, message: { msgId: 2, version: '2013', phone: '043048325465', serial: 183, body: {} } });
  t.same([out[2].ok, out[2].error], [false, 'checksum']);
  t.same([out[3].ok, out[3].error], [false, 'truncated']);
  t.same([out[4].ok, out[4].error], [false, 'length']);
  t.same([out[5].ok, out[5].error], [false, 'escape']);
  t.same(out[6].message.packet, { total: 2, index: 1 });
  t.equal(out[6].message.part, '010203');
  t.same([out[7].ok, out[7].error], [false, 'hex']);
  t.same([out[8].ok, out[8].error], [false, 'hex']);
  t.same([out[9].ok, out[9].error], [false, 'empty'], 'the README lists empty among the error codes: the CLI says it');
});

t.test("the README's list of the CLI's error codes is the schema's, less the encoder's own", async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Decode CLI'), readme.indexOf('## Tests'));
  const listed = (/Error codes: ([^.]*)/.exec(section)?.[1] ?? '').match(/`[a-z_]+`/g)?.map((c) => c.slice(1, -1)) ?? [];
  // the schema's enum of `error` (the one holding checksum); `encode` is the encoder's, never the CLI's
  const enums: string[][] = [];
  JSON.stringify(schema, (k, v) => (k === 'enum' && Array.isArray(v) && v.includes('checksum') && enums.push(v as string[]), v));
  t.equal(enums.length, 1);
  t.same([...listed].sort(), enums[0]!.filter((c) => c !== 'encode').sort());
});
