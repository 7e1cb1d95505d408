/** The store's settings: where what must outlive a restart is kept (registry, cases, incidents). */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Section } from '../events/settings.js';

export const StoreSections = {
  database: Section({
    url: Type.String({ default: '', description: 'postgres://user:password@host:port/db of a PostgreSQL server; empty = the embedded PGlite under dataDir/db (no server)' }),
    poolSize: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'connections to PostgreSQL at most (PGlite has one)' }),
  }),
};
export type DatabaseSettings = Static<typeof StoreSections.database>;
