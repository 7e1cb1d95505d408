/**
 * Area bodies as the decoder yields them: coordinates signed by the hemisphere bits of the
 * attribute they come with, conditional fields present exactly when their bit (and edition)
 * asks for them.
 */
import fc from 'fast-check';
import { byte, digits, dword, edition, gbkText, word } from './common.js';
import type { BodyArbitraries } from './common.js';

type Edition = '2013' | '2019';

const degrees = (raw: number, negative: boolean): number => (raw === 0 ? 0 : (negative ? -raw : raw) / 1e6);
const south = (attr: number) => (attr & 0x40) !== 0;
const west = (attr: number) => (attr & 0x80) !== 0;

const limitValues = fc.record({
  startTime: digits(12),
  endTime: digits(12),
  maxSpeed: word,
  overspeedDuration: byte,
  nightMaxSpeed: word,
  name: gbkText(30),
});
type Limits = typeof limitValues extends fc.Arbitrary<infer L> ? L : never;

/** Keeps only the limit fields an area with `attr` carries in `version`. */
function limits(attr: number, version: Edition, l: Limits): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (attr & 1) Object.assign(out, { startTime: l.startTime, endTime: l.endTime });
  if (attr & 2) Object.assign(out, { maxSpeed: l.maxSpeed, overspeedDuration: l.overspeedDuration });
  if (version === '2019') {
    if (attr & 2) out.nightMaxSpeed = l.nightMaxSpeed;
    out.name = l.name;
  }
  return out;
}

const circle = (version: Edition) =>
  fc.tuple(dword, word, dword, dword, dword, limitValues).map(([id, attr, lat, lng, radius, l]) => ({
    id,
    attr,
    lat: degrees(lat, south(attr)),
    lng: degrees(lng, west(attr)),
    radius,
    ...limits(attr, version, l),
  }));

const rectangle = (version: Edition) =>
  fc.tuple(dword, word, fc.array(dword, { minLength: 4, maxLength: 4 }), limitValues).map(([id, attr, [a, b, c, d], l]) => ({
    id,
    attr,
    topLeftLat: degrees(a!, south(attr)),
    topLeftLng: degrees(b!, west(attr)),
    bottomRightLat: degrees(c!, south(attr)),
    bottomRightLng: degrees(d!, west(attr)),
    ...limits(attr, version, l),
  }));

const polygon = (version: Edition, maxVertices: number) =>
  fc.tuple(dword, word, fc.array(fc.tuple(dword, dword), { maxLength: maxVertices }), limitValues).map(([id, attr, vs, l]) => ({
    id,
    attr,
    vertices: vs.map(([lat, lng]) => ({ lat: degrees(lat, south(attr)), lng: degrees(lng, west(attr)) })),
    ...limits(attr, version, l),
  }));

const routePoint = (version: Edition) =>
  fc.tuple(dword, dword, dword, dword, byte, byte, word, word, word, byte, word).map(
    ([inflectionId, segmentId, lat, lng, width, attr, long, short, max, over, night]) => ({
      inflectionId,
      segmentId,
      lat: degrees(lat, (attr & 4) !== 0),
      lng: degrees(lng, (attr & 8) !== 0),
      width,
      attr,
      ...(attr & 1 ? { longThreshold: long, shortThreshold: short } : {}),
      ...(attr & 2 ? { maxSpeed: max, overspeedDuration: over } : {}),
      ...(attr & 2 && version === '2019' ? { nightMaxSpeed: night } : {}),
    }),
  );

const route = (version: Edition, maxPoints: number) =>
  fc.tuple(dword, word, fc.array(routePoint(version), { maxLength: maxPoints }), limitValues).map(([id, attr, points, l]) => ({
    id,
    attr,
    ...(attr & 1 ? { startTime: l.startTime, endTime: l.endTime } : {}),
    points,
    ...(version === '2019' ? { name: l.name } : {}),
  }));

const per = <T>(make: (version: Edition) => fc.Arbitrary<T>, versions: fc.Arbitrary<Edition> = edition) =>
  versions.chain((version) => fc.record({ version: fc.constant(version), body: make(version) }));

const deletion = fc.record({ version: edition, body: fc.record({ ids: fc.array(dword, { maxLength: 20 }) }) });
const v2019 = fc.constant<Edition>('2019');

const answer = (version: Edition) =>
  fc.oneof(
    fc.record({ type: fc.constant(1), areas: fc.array(circle(version), { maxLength: 4 }) }),
    fc.record({ type: fc.constant(2), areas: fc.array(rectangle(version), { maxLength: 4 }) }),
    fc.record({ type: fc.constant(3), areas: fc.array(polygon(version, 8), { maxLength: 3 }) }),
    fc.record({ type: fc.constant(4), areas: fc.array(route(version, 6), { maxLength: 3 }) }),
    fc.record({ type: fc.integer({ min: 5, max: 255 }), raw: fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)) }),
  );

export const areas: BodyArbitraries = {
  0x8600: per((v) => fc.record({ action: byte, areas: fc.array(circle(v), { maxLength: 8 }) })),
  0x8601: deletion,
  0x8602: per((v) => fc.record({ action: byte, areas: fc.array(rectangle(v), { maxLength: 8 }) })),
  0x8603: deletion,
  0x8604: per((v) => polygon(v, 40)),
  0x8605: deletion,
  0x8606: per((v) => route(v, 20)),
  0x8607: deletion,
  0x8608: fc.record({ version: v2019, body: fc.record({ type: byte, ids: fc.array(dword, { maxLength: 20 }) }) }),
  0x0608: per(answer, v2019),
};
