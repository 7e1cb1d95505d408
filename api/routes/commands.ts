/**
 * POST /api/terminals/{phone}/commands: encode a downlink command, send it on the terminal's
 * session (subpackaged when its body exceeds 1023 bytes), wait for the matching answer.
 *   200 { msgId, reply }             the decoded answer (0x0001, 0x0201, 0x0104, 0x0805, ...); for the
 *                                    media commands (0x8801 takePhoto, 0x8802, 0x8803, 0x8805) also
 *                                    { outcome, message?, media: [{ mediaId, href }], mediaUnlinked?,
 *                                    uploads? }: where the files will be listed (command-media.ts)
 *   400 bad input, naming every field that is wrong (unknown command, a missing or out-of-range
 *       field, one the command does not have, a body the encoder refuses)
 *   404 the terminal is not online (here, nor on another gateway when the relay is on)
 *   503 the relay could not pass the command on now (too many in flight, its broker unreachable)
 *   504 no answer within the timeout
 * Body: { "command": 0x8300 | "0x8300" | "textMessage", "body": {...}, "timeoutMs"?: n }. Names are
 * the codec's (events/commands.ts); the route's older names still work, answered with a
 * `Deprecation: true` header. Each command's `body` has its own schema, from the codec's layout
 * (command-schemas.ts): the OpenAPI document lists them, and a request is checked against its
 * command's before anything is sent.
 */
import { Ajv } from 'ajv';
import type { FastifyPluginAsync } from 'fastify';
import { toJson } from '../../decoders/index.js';
import { BadCommandError, BusyError, COMMANDS, DEPRECATED_NAMES, OfflineError, commandId, terminalId } from '../../events/commands.js';
import type { CommandPort } from '../../events/commands.js';
import { hexId } from '../../gateway/metrics.js';
import { mediaAnswer } from '../command-media.js';
import { checkCommand, commandRequestSchema } from '../command-schemas.js';
import type { AppDeps } from '../deps.js';

interface CommandRequest {
  command: number | string;
  body: Record<string, unknown>;
  timeoutMs?: number;
}

const paramsSchema = { type: 'object', properties: { terminal: { type: 'string', pattern: '^[0-9a-fA-F]{1,20}$' } } } as const;
const partsAjv = new Ajv({ coerceTypes: 'array', useDefaults: true, strict: false });

/** The body by its command's schema (checkCommand); the path's parts as fastify would check them. */
function validatorCompiler({ httpPart, schema }: { httpPart?: string; schema: object }) {
  if (httpPart !== 'body') return partsAjv.compile(schema);
  return (data: unknown) => {
    const checked = checkCommand(data);
    return 'error' in checked ? { error: new Error(checked.error) } : { value: data };
  };
}

export const commandRoutes: FastifyPluginAsync<AppDeps & { commands: CommandPort }> = async (app, { commands, metrics }) => {
  app.post<{ Params: { terminal: string }; Body: CommandRequest }>(
    '/api/terminals/:terminal/commands',
    // a downlink changes the terminal (parameters, reset, vehicle control, text): the "command" right
    { config: { right: 'command' }, validatorCompiler, schema: { params: paramsSchema, body: commandRequestSchema } },
    async (req, reply) => {
      // checked by the validator: a known command
      const msgId = commandId(req.body.command)!;
      // RFC 9745: the old route names are on their way out
      if (typeof req.body.command === 'string' && DEPRECATED_NAMES.has(req.body.command)) reply.header('deprecation', 'true');
      const terminal = terminalId(req.params.terminal);
      try {
        const sentAt = Date.now();
        const message = await commands.command(terminal, msgId, req.body.body, req.body.timeoutMs, req.grant);
        const media = mediaAnswer(msgId, req.body.body, message, terminal, sentAt);
        if (media?.mediaUnlinked) metrics.mediaUnlinked.inc(media.mediaUnlinked);
        // the reply as the codec's JSON (Buffers as hex), then what the media commands add
        const extra = media ? `,${JSON.stringify(media).slice(1, -1)}` : '';
        return reply.type('application/json').send(`{"msgId":${msgId},"reply":${toJson(message)}${extra}}`);
      } catch (e) {
        if (e instanceof BadCommandError) {
          // the codec names the field inside the body: said from the request's top, as the schema's errors are
          return reply.code(400).send({ error: 'Bad Request', message: `cannot encode ${hexId(msgId)} (${COMMANDS.get(msgId)!.name}): ${e.field !== undefined ? 'body.' : ''}${e.message}` });
        }
        if (e instanceof OfflineError) return reply.code(404).send({ error: 'Not Found', message: e.message });
        if (e instanceof BusyError) return reply.code(503).send({ error: 'Service Unavailable', message: e.message });
        return reply.code(504).send({ error: 'Gateway Timeout', message: (e as Error).message });
      }
    },
  );
};
