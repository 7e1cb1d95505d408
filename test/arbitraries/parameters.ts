/**
 * Canonical parameter-family bodies, drawn through the parameter table: numbers within the
 * type's range for numeric IDs, text for STRING IDs, raw bytes for BYTES IDs, for IDs the
 * table does not know (no name) and for numeric IDs sent with an unexpected length.
 */
import fc from 'fast-check';
import { NUMERIC_SIZE, PARAM_ID, paramDef } from '../../decoders/bodies/parameter-table.js';
import { byte, bytesOf, dword, edition, gbkText, word } from './common.js';
import type { BodyArbitraries } from './common.js';
import type { TerminalParam } from '../../decoders/bodies/parameters.js';

const known = Object.values(PARAM_ID);
const MAX = { 1: 0xff, 2: 0xffff, 4: 0xffffffff } as const;

const knownParam = fc.constantFrom(...known).chain((id): fc.Arbitrary<TerminalParam> => {
  const def = paramDef(id)!;
  const size = NUMERIC_SIZE[def.type] as 1 | 2 | 4 | undefined;
  const base = { id: fc.constant(id), name: fc.constant(def.name) };
  if (def.type === 'STRING') return fc.record({ ...base, value: gbkText(30) });
  if (size === undefined) return fc.record({ ...base, value: bytesOf(0, 30) });
  return fc.oneof(
    fc.record({ ...base, value: fc.integer({ min: 0, max: MAX[size] }) }),
    // a numeric ID with the wrong length stays raw
    fc.record({ ...base, value: bytesOf(0, 6).filter((b) => b.length !== size) }),
  );
});

const unknownParam = fc.record({ id: dword.filter((id) => paramDef(id) === undefined), value: bytesOf(0, 30) });

const params = fc.array(fc.oneof(knownParam, unknownParam), { maxLength: 15 });

const controlParams = fc.array(gbkText(10), { minLength: 1, maxLength: 6 }).filter((a) => a.join(';') !== '');

export const parameters: BodyArbitraries = {
  0x8103: fc.record({ version: edition, body: fc.record({ params }) }),
  0x8104: fc.record({ version: edition, body: fc.constant({}) }),
  0x8106: fc.record({ version: edition, body: fc.record({ ids: fc.array(dword, { maxLength: 50 }) }) }),
  0x0104: fc.record({ version: edition, body: fc.record({ ackSerial: word, params }) }),
  0x8105: fc.record({
    version: edition,
    body: fc.oneof(fc.record({ command: byte }), fc.record({ command: byte, params: controlParams })),
  }),
};
