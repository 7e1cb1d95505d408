/**
 * The duty layer: each duty area as its polygon(s), coloured by the client from `coverage`, the
 * share of its assigned units on post now (the gateway's duty watch counts them: on post, off
 * post, silent). Areas are filtered by the token's scope (the area's org unit) and by `org`;
 * the units counted are those within the token's scope, as /api/duty-areas/{id}/status shows.
 * A multipolygon is one feature per part, with the same properties. The watch's
 * coverageVersion is part of the map's data version, so a unit entering or leaving, or going
 * silent, shows on the next tile.
 */
import { filterQuery, orgsOf } from '../api-schemas.js';
import type { MapFeature } from '../cluster-tile.js';
import { shifter } from '../crs.js';
import { EXTENT } from '../encode.js';
import { tileBounds } from '../mercator.js';
import { polygonsOf } from '../../events/duty-geometry.js';
import type { AreaCoverage, DutyArea, DutyCoverageSource } from '../../events/duty.js';
import { orgMatcher } from '../../events/scope.js';
import type { LayerFeatures, TileLayer, TileSource } from './layer.js';

export interface DutyParams {
  org?: string[] | undefined;
}

/** how far a CRS shift moves a point at most, with margin, in degrees (as terminals.ts) */
const SHIFT_DEG = 0.03;

export const DUTY_FIELDS = {
  id: 'duty area id',
  name: 'duty area name',
  org: 'org unit owning the area',
  assigned: 'units assigned to the area',
  onPost: 'assigned units inside the area, heard from within duty.noSignalMs',
  offPost: 'assigned units outside it',
  silent: 'assigned units not heard from within duty.noSignalMs (or with no fix yet)',
  coverage: 'onPost / assigned, 0..1 (absent when nothing is assigned)',
  onShift: 'a shift of the area is running now (web.timeZone)',
};

/** [west, south, east, north] of an area, computed once per version of it */
const boxes = new WeakMap<DutyArea, [number, number, number, number]>();

function box(area: DutyArea): [number, number, number, number] {
  let b = boxes.get(area);
  if (b) return b;
  b = [Infinity, Infinity, -Infinity, -Infinity];
  for (const polygon of polygonsOf(area.geometry)) {
    for (const [lng, lat] of polygon[0] ?? []) {
      b[0] = Math.min(b[0], lng!);
      b[1] = Math.min(b[1], lat!);
      b[2] = Math.max(b[2], lng!);
      b[3] = Math.max(b[3], lat!);
    }
  }
  boxes.set(area, b);
  return b;
}

export const duty: TileLayer<'duty', DutyParams> = {
  name: 'duty',
  summary: 'Duty tile: duty areas with the share of their units on post now (MVT 2.1 or GeoJSON)',
  description: 'Duty areas coloured by coverage: the share of assigned units on post',
  vectorLayers: [{ id: 'duty', description: 'one polygon per duty area (per part of a multipolygon)', fields: DUTY_FIELDS }],
  query: { org: filterQuery.org },
  params: (query) => ({ org: orgsOf(query.org) }),
  key: (p) => p.org?.join(',') ?? '',
  open(source: TileSource) {
    /** the counts per scope, shared by every tile until the watch's counts move */
    const counted = new Map<string, { version: number; list: readonly AreaCoverage[] }>();
    const coverage = (duty: DutyCoverageSource, scope: string): readonly AreaCoverage[] => {
      const version = duty.coverageVersion;
      let hit = counted.get(scope);
      if (hit?.version !== version) {
        if (counted.size > 256) counted.clear();
        hit = { version, list: duty.coverage(Date.now(), orgMatcher(scope)) };
        counted.set(scope, hit);
      }
      return hit.list;
    };
    return {
      render(tile, p): LayerFeatures {
        if (!source.duty) return {};
        const match = orgMatcher(tile.scope, p.org);
        const [w, s, e, n] = tileBounds(tile.z, tile.x, tile.y);
        const padX = ((e - w) * source.config.buffer) / EXTENT + SHIFT_DEG;
        const padY = ((n - s) * source.config.buffer) / EXTENT + SHIFT_DEG;
        const shift = shifter(tile.crs);
        const features: MapFeature[] = [];
        for (const c of coverage(source.duty, tile.scope)) {
          if (!match(c.area.org)) continue;
          const [bw, bs, be, bn] = box(c.area);
          if (be < w - padX || bw > e + padX || bn < s - padY || bs > n + padY) continue;
          const props: MapFeature['props'] = { id: c.area.id, name: c.area.name, org: c.area.org, assigned: c.assigned, onPost: c.onPost, offPost: c.offPost, silent: c.silent, onShift: c.onShift };
          if (c.assigned > 0) props.coverage = c.onPost / c.assigned;
          for (const polygon of polygonsOf(c.area.geometry)) {
            const rings = polygon.map((ring) => ring.map(([lng, lat]) => shift(lng!, lat!)));
            const [lng, lat] = rings[0]![0]!;
            features.push({ lng, lat, props, rings });
          }
        }
        return { duty: features };
      },
    };
  },
};
