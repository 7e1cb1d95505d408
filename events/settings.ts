/**
 * Building blocks of the settings schema, shared by every room's settings.ts (each room declares
 * the sections it reads; server/config.ts assembles them, loads and validates). Also the H3
 * section: the resolutions every Position carries are part of the event model.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

/** Closed objects: a misspelt key is an error, not a silently ignored setting. */
export const Section = <T extends Parameters<typeof Type.Object>[0]>(props: T) => Type.Object(props, { additionalProperties: false, default: {} });

export const Port = Type.Integer({ minimum: 0, maximum: 65535, description: '0 = pick a free port (logged)' });
export const Ms = Type.Integer({ minimum: 1 });

/** A setting that cannot be used: names the key; the process exits 2 (server/main.ts). */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const H3Section = Section({
    resolution: Type.Integer({ minimum: 0, maximum: 15, default: 9 }),
    parents: Type.Array(Type.Integer({ minimum: 0, maximum: 15 }), { default: [7, 5] }),
  });
export type H3Settings = Static<typeof H3Section>;
