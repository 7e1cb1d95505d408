/** The live map's settings: tiles, clusters, heat, tracks, the bounds of its in-memory state. */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Section, Ms } from '../events/settings.js';

export const MapSection = Section({
    clusterMaxZoom: Type.Integer({ minimum: 0, maximum: 12, default: 12, description: 'highest zoom served as clusters; single terminals above' }),
    maxZoom: Type.Integer({ minimum: 0, maximum: 24, default: 20, description: 'TileJSON maxzoom' }),
    maxFeatures: Type.Integer({ minimum: 1, default: 4000, description: 'features per tile at most (decimation keeps alarms first)' }),
    buffer: Type.Integer({ minimum: 0, maximum: 4096, default: 64, description: 'MVT buffer, tile units of 4096' }),
    tileTtlMs: Type.Integer({ minimum: 0, default: 1000, description: 'a rendered tile is reused for this long while data changes' }),
    cacheEntries: Type.Integer({ minimum: 0, default: 20_000 }),
    offlineAfterMs: { ...Ms, default: 360_000, description: 'not heard from for this long = offline' },
    unregisteredGraceMs: Type.Integer({
      minimum: 0,
      default: 600_000,
      description: 'a terminal the device registry does not list is dropped from the live map index (which also answers /api/live) and its track ring once not heard from for offlineAfterMs + this; registered terminals only turn offline',
    }),
    maxUnregistered: Type.Integer({
      minimum: 1,
      default: 50_000,
      description: 'terminals the device registry does not list held in the live map index at most (~1 KB each with their index rows); past it the least recently heard is dropped to make room (counted in dipper_live_index_evictions_total{reason="cap"}); registered terminals are bounded by the registry',
    }),
    heatWindowMaxMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 60 }),
    heatMaxKeys: Type.Integer({ minimum: 1000, default: 4_000_000, description: 'heat counts kept, as (H3 cell, org, minute) keys (~100-250 B each); past it the finest resolution stops taking new cells until old minutes expire' }),
    trackHours: Type.Number({ minimum: 0, default: 6, description: 'in-memory track ring per terminal (when no track store is configured)' }),
    trackMaxPoints: Type.Integer({ minimum: 2, default: 4320, description: 'points per terminal in the in-memory track ring (40 B each)' }),
    trackMaxTerminals: Type.Integer({
      minimum: 1,
      default: 150_000,
      description: 'terminals with an in-memory track ring at most (memory at most trackMaxTerminals × trackMaxPoints × 40 B); past it the least recently written ring is dropped',
    }),
    maxCases: Type.Integer({
      minimum: 1,
      default: 100_000,
      description: 'cases held in memory at most (~1-3 KB each); past it the oldest closed or cancelled case is dropped, and when all are open a new one is refused (HTTP 507)',
    }),
  });
export type MapSettings = Static<typeof MapSection>;

export const MapSections = { map: MapSection };
