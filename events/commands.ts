/**
 * The downlink commands the API may send, and which terminal messages answer each. Every
 * command may also be answered by 0x0001 (a terminal refusing or not supporting it says so
 * there), matched by serial and message ID; the specific answers carry the command's serial
 * as their first field.
 */
import { codecFor } from '../decoders/index.js';
import type { Edition, Message } from '../decoders/index.js';

export interface CommandKind {
  /** The codec's name for the message (decoders/bodies), the one vocabulary. */
  name: string;
  /** Answers besides 0x0001. */
  replies: readonly number[];
}

/** The downlinks the API may send, and their answers besides 0x0001. */
const REPLIES: readonly (readonly [number, readonly number[]])[] = [
  [0x8201, [0x0201]],
  [0x8202, []],
  [0x8203, []],
  [0x8300, []],
  [0x8103, []],
  [0x8104, [0x0104]],
  [0x8106, [0x0104]],
  [0x8105, []],
  [0x8500, [0x0500]],
  [0x8801, [0x0805]],
  [0x8802, [0x0802]],
  // the files then come as 0x0801 uploads, stored as media like any other
  [0x8803, []],
  [0x8805, []],
  [0x9101, []],
  [0x9102, []],
];

function codecName(msgId: number): string {
  const codec = codecFor(msgId);
  if (codec?.direction !== 'down') throw new Error(`command 0x${msgId.toString(16)} has no downlink codec`);
  return codec.name;
}

export const COMMANDS = new Map<number, CommandKind>(REPLIES.map(([id, replies]) => [id, { name: codecName(id), replies }]));

/**
 * The names the command route took before it spoke the codec's, still accepted (deprecated).
 * The old `queryParameters` (0x8104) is not among them: the codec gives that name to 0x8106,
 * so it now means 0x8106 (0x8104 is `queryAllParameters`).
 */
export const DEPRECATED_NAMES: ReadonlyMap<string, number> = new Map([
  ['alarmConfirmation', 0x8203],
  ['text', 0x8300],
  ['queryParametersById', 0x8106],
  ['takePhoto', 0x8801],
  ['liveVideoRequest', 0x9101],
  ['liveVideoControl', 0x9102],
]);

const BY_NAME = new Map([...COMMANDS].map(([id, k]) => [k.name, id]));

/** 33281, "0x8201" or "positionQuery" (or a deprecated name) -> 0x8201; undefined when not a known command. */
export function commandId(spec: number | string): number | undefined {
  if (typeof spec === 'number') return COMMANDS.has(spec) ? spec : undefined;
  const id = /^0x[0-9a-f]{1,4}$/i.test(spec) ? parseInt(spec, 16) : (BY_NAME.get(spec) ?? DEPRECATED_NAMES.get(spec));
  return id !== undefined && COMMANDS.has(id) ? id : undefined;
}

export function replyIds(msgId: number): number[] {
  return [0x0001, ...(COMMANDS.get(msgId)?.replies ?? [])];
}

/** The terminal has no session, or lost it before answering. */
export class OfflineError extends Error {
  override name = 'OfflineError';
}

/** The command could not be encoded for the terminal (its body does not fit the message's layout). */
export class BadCommandError extends Error {
  override name = 'BadCommandError';
  /** The body field the encoder refused ("text", "params[0].value"), when it named one. */
  readonly field: string | undefined;
  constructor(message: string, options?: ErrorOptions & { field?: string | undefined }) {
    super(message, options);
    this.field = options?.field;
  }
}

/**
 * The command could not be passed on now (too many relayed commands in flight, the relay's
 * broker unreachable): nothing was sent; trying again later may work. The API answers 503.
 */
export class BusyError extends Error {
  override name = 'BusyError';
}

/** A command's body for each edition: the one holding the terminal's session picks its edition's (a dispatch text's flag differs). */
export type EditionBodies = Readonly<Record<Edition, object>>;

/**
 * The one way in for commands (the HTTP route, the EMQX-compatible downlink): sends `msgId`
 * to the terminal's session and resolves with its answer. Rejects with OfflineError,
 * BadCommandError, BusyError, or a timeout Error.
 */
export interface CommandPort {
  /** `caller`: who asks (the API token's grant): a relay bounds how many commands one caller keeps waiting */
  command(terminal: string, msgId: number, body: object, timeoutMs?: number, caller?: object): Promise<Message>;
  /** As `command`, with the body of the terminal's edition, chosen where its session is. */
  commandByEdition(terminal: string, msgId: number, bodies: EditionBodies, timeoutMs?: number, caller?: object): Promise<Message>;
  /** Whether a command could reach the terminal now (its session here, or on another gateway through the relay). */
  online(terminal: string): Promise<boolean>;
  /** How the terminal's session here speaks: its phone as its header carries it, its edition; undefined without one. */
  speakerOf?(terminal: string): { phone: string; version: Edition; protocolVersion?: number | undefined } | undefined;
}

/** A CommandPort that holds sessions itself (the gateway): whether the terminal's session is here, now. */
export interface SessionHolder extends CommandPort {
  reaches(terminal: string): boolean;
}

/** A phone number (BCD, leading zeros) as a terminal ID: "013912345678" -> "13912345678". */
export function terminalId(phone: string): string {
  const t = phone.toLowerCase().replace(/^0+/, '');
  return t === '' ? '0' : t;
}
