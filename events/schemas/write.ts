/** Regenerates the published JSON Schemas from events/model.ts: `tsx events/schemas/write.ts`. */
import { writeFileSync } from 'node:fs';
import { DutyChangeSchema } from '../duty.js';
import { PresenceSchema } from '../presence.js';
import { IncidentSchema } from '../incident.js';
import { AlarmSchema, MediaSchema, PositionSchema } from '../model.js';

export const SCHEMAS = { 'position.schema.json': PositionSchema, 'alarm.schema.json': AlarmSchema, 'media.schema.json': MediaSchema, 'incident.schema.json': IncidentSchema, 'duty.schema.json': DutyChangeSchema, 'presence.schema.json': PresenceSchema };

export function schemaText(schema: object): string {
  return JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...schema }, null, 2) + '\n';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, schema] of Object.entries(SCHEMAS)) writeFileSync(new URL(name, import.meta.url), schemaText(schema));
}
