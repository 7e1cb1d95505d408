/**
 * POST /api/terminals/{phone}/commands: encode a downlink command, send it on the terminal's
 * session (subpackaged when its body exceeds 1023 bytes), wait for the matching answer.
 *   200 { msgId, serials, reply }   the decoded answer (0x0001, 0x0201, 0x0104, 0x0805, ...)
 *   400 bad input, with what is wrong (unknown command, a body the encoder refuses)
 *   404 the terminal is not online
 *   504 no answer within the timeout
 * Body: { "command": 0x8300 | "0x8300" | "textMessage", "body": {...}, "timeoutMs"?: n }. Names are
 * the codec's (events/commands.ts); the route's older names still work, answered with a
 * `Deprecation: true` header. A command whose codec is not registered can be sent as
 * { "body": { "raw": "<hex>" } }.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Jt808Error, toJson } from '../../decoders/index.js';
import { BadCommandError, COMMANDS, DEPRECATED_NAMES, OfflineError, commandId, terminalId } from '../../events/commands.js';
import { hexId } from '../../gateway/metrics.js';
import type { Gateway } from '../../gateway/gateway.js';
import type { AppDeps } from '../deps.js';

interface CommandRequest {
  command: number | string;
  body?: Record<string, unknown>;
  timeoutMs?: number;
}

const bodySchema = {
  type: 'object',
  required: ['command'],
  additionalProperties: false,
  properties: {
    command: {
      anyOf: [{ type: 'integer', minimum: 0, maximum: 0xffff }, { type: 'string', minLength: 1, maxLength: 40 }],
      description:
        `the message ID (number or "0x..." string) or the codec's name: one of ${[...COMMANDS].map(([id, k]) => `${hexId(id)} ${k.name}`).join(', ')}. ` +
        `Deprecated names, still accepted (answered with a Deprecation header): ${[...DEPRECATED_NAMES].map(([name, id]) => `${name} (now ${COMMANDS.get(id)!.name})`).join(', ')}; ` +
        `the old queryParameters (0x8104) is now queryAllParameters, and queryParameters names 0x8106 as in the codec.`,
    },
    body: { type: 'object', default: {} },
    timeoutMs: { type: 'integer', minimum: 1, maximum: 600_000 },
  },
} as const;

/** JSON has no bytes: `raw` (and any key ending in "Hex") given as hex becomes a Buffer. */
function withBuffers(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  if (typeof out.raw === 'string') {
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(out.raw)) throw new Jt808Error('encode', 'body.raw must be an even number of hex digits');
    out.raw = Buffer.from(out.raw, 'hex');
  }
  return out;
}

export const commandRoutes: FastifyPluginAsync<AppDeps & { gateway: Gateway }> = async (app, { gateway }) => {
  app.post<{ Params: { terminal: string }; Body: CommandRequest }>(
    '/api/terminals/:terminal/commands',
    // a downlink changes the terminal (parameters, reset, vehicle control, text): the "command" right
    { config: { right: 'command' }, schema: { params: { type: 'object', properties: { terminal: { type: 'string', pattern: '^[0-9a-fA-F]{1,20}$' } } }, body: bodySchema } },
    async (req, reply) => {
      const msgId = commandId(req.body.command);
      if (msgId === undefined) {
        return reply.code(400).send({ error: 'Bad Request', message: `unknown command ${JSON.stringify(req.body.command)}: use one of ${[...COMMANDS].map(([id, k]) => `${hexId(id)} (${k.name})`).join(', ')}` });
      }
      // RFC 9745: the old route names are on their way out
      if (typeof req.body.command === 'string' && DEPRECATED_NAMES.has(req.body.command)) reply.header('deprecation', 'true');
      const terminal = terminalId(req.params.terminal);
      try {
        const message = await gateway.command(terminal, msgId, withBuffers(req.body.body ?? {}), req.body.timeoutMs);
        return reply.type('application/json').send(`{"msgId":${msgId},"reply":${toJson(message)}}`);
      } catch (e) {
        if (e instanceof BadCommandError) return reply.code(400).send({ error: 'Bad Request', message: `cannot encode ${hexId(msgId)} (${COMMANDS.get(msgId)!.name}): ${e.message}` });
        if (e instanceof OfflineError) return reply.code(404).send({ error: 'Not Found', message: e.message });
        return reply.code(504).send({ error: 'Gateway Timeout', message: (e as Error).message });
      }
    },
  );
};
