/**
 * The command route's requests, one JSON Schema per command, built from the codec's layouts
 * (`codecFor(id).schema`, decoders/fields.ts): a body is described once, where it is encoded.
 * The OpenAPI document shows them as the alternatives of the request body; `checkCommand`
 * validates a request against its command's schema and says every problem by its field
 * ("body.channel: required"). Defaults that depend on the terminal's edition (0x8300's
 * textType for 2019) are the codec's, applied when the edition is known; the schema says them.
 */
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { codecFor } from '../decoders/index.js';
import { COMMANDS, DEPRECATED_NAMES, commandId } from '../events/commands.js';
import { hexId } from '../gateway/metrics.js';

type Schema = Record<string, unknown>;

const TIMEOUT = { type: 'integer', minimum: 1, maximum: 600_000, description: 'ms to wait for the answer (commands.timeoutMs by default)' };

/** "0x8300" in any case of its hex digits, with leading zeros as commandId takes them. */
function hexPattern(id: number): string {
  const digits = id.toString(16).replace(/[a-f]/g, (c) => `[${c}${c.toUpperCase()}]`);
  return `^0[xX]0*${digits}$`;
}

function commandSchema(id: number, name: string): Schema {
  const deprecated = [...DEPRECATED_NAMES].filter(([, to]) => to === id).map(([old]) => old);
  const body = (codecFor(id)?.schema ?? { type: 'object' }) as Schema;
  const needsBody = Array.isArray(body.required) && body.required.length > 0;
  return {
    title: `${hexId(id)} ${name}`,
    type: 'object',
    additionalProperties: false,
    required: needsBody ? ['command', 'body'] : ['command'],
    properties: {
      command: {
        anyOf: [
          { type: 'integer', enum: [id] },
          { type: 'string', enum: [name, ...deprecated] },
          { type: 'string', pattern: hexPattern(id) },
        ],
        description: `${id} (${hexId(id)}), "${hexId(id)}" or "${name}"${deprecated.length ? `; deprecated, still accepted: ${deprecated.map((d) => `"${d}"`).join(', ')}` : ''}`,
      },
      body: needsBody ? body : { ...body, default: {} },
      timeoutMs: TIMEOUT,
    },
  };
}

/** Per command ID, its request's schema (the OpenAPI alternatives, in the table's order). */
export const COMMAND_SCHEMAS: ReadonlyMap<number, Schema> = new Map([...COMMANDS].map(([id, k]) => [id, commandSchema(id, k.name)]));

/** The request body as the OpenAPI document shows it: one alternative per command. */
export const commandRequestSchema: Schema = {
  description: 'one alternative per command: `command` says which, `body` is that message\'s fields (the codec\'s names and units)',
  oneOf: [...COMMAND_SCHEMAS.values()],
};

// the app's own rules: an unknown field is an error (not dropped), no type coercion, every error at once
const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: false, removeAdditional: false, strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validators = new Map<number, ValidateFunction>([...COMMAND_SCHEMAS].map(([id, s]) => [id, ajv.compile(s)]));

/** An ajv error as "field.path: what is wrong". */
function said(e: ErrorObject): string {
  const at = e.instancePath.split('/').slice(1).map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  const join = (key: string) => (at ? `${at}.${key}` : key);
  if (e.keyword === 'required') return `${join(String(e.params.missingProperty))}: required`;
  if (e.keyword === 'additionalProperties') return `${join(String(e.params.additionalProperty))}: not a field here`;
  return `${at || 'request'}: ${e.message ?? e.keyword}`;
}

/** The errors once each, anyOf's branches summed up as the anyOf's own message. */
function summary(errors: readonly ErrorObject[]): string[] {
  const anyOf = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.schemaPath));
  const kept = errors.filter((e) => e.keyword === 'anyOf' || ![...anyOf].some((p) => e.schemaPath.startsWith(`${p}/`)));
  return [...new Set(kept.map(said))];
}

export type Checked = { msgId: number } | { error: string };

/** The request as the route takes it (its body defaulted in place), or what is wrong with it. */
export function checkCommand(request: unknown): Checked {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return { error: 'the request is a JSON object: { "command": ..., "body": {...} }' };
  const spec = (request as { command?: unknown }).command;
  if (spec === undefined) return { error: `command: required: one of ${[...COMMANDS].map(([id, k]) => `${hexId(id)} (${k.name})`).join(', ')}` };
  const msgId = typeof spec === 'number' || typeof spec === 'string' ? commandId(spec) : undefined;
  if (msgId === undefined) return { error: `unknown command ${JSON.stringify(spec)}: use one of ${[...COMMANDS].map(([id, k]) => `${hexId(id)} (${k.name})`).join(', ')}` };
  const validate = validators.get(msgId)!;
  if (validate(request)) return { msgId };
  return { error: `${hexId(msgId)} (${COMMANDS.get(msgId)!.name}): ${summary(validate.errors ?? []).join('; ')}` };
}
