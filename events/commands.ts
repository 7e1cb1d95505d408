/**
 * The downlink commands the API may send, and which terminal messages answer each. Every
 * command may also be answered by 0x0001 (a terminal refusing or not supporting it says so
 * there), matched by serial and message ID; the specific answers carry the command's serial
 * as their first field.
 */
export interface CommandKind {
  name: string;
  /** Answers besides 0x0001. */
  replies: readonly number[];
}

export const COMMANDS = new Map<number, CommandKind>([
  [0x8201, { name: 'positionQuery', replies: [0x0201] }],
  [0x8202, { name: 'temporaryTracking', replies: [] }],
  [0x8203, { name: 'alarmConfirmation', replies: [] }],
  [0x8300, { name: 'text', replies: [] }],
  [0x8103, { name: 'setParameters', replies: [] }],
  [0x8104, { name: 'queryParameters', replies: [0x0104] }],
  [0x8106, { name: 'queryParametersById', replies: [0x0104] }],
  [0x8105, { name: 'terminalControl', replies: [] }],
  [0x8500, { name: 'vehicleControl', replies: [0x0500] }],
  [0x8801, { name: 'takePhoto', replies: [0x0805] }],
  [0x9101, { name: 'liveVideoRequest', replies: [] }],
  [0x9102, { name: 'liveVideoControl', replies: [] }],
]);

const BY_NAME = new Map([...COMMANDS].map(([id, k]) => [k.name, id]));

/** 33281, "0x8201" or "positionQuery" -> 0x8201; undefined when not a known command. */
export function commandId(spec: number | string): number | undefined {
  if (typeof spec === 'number') return COMMANDS.has(spec) ? spec : undefined;
  const id = /^0x[0-9a-f]{1,4}$/i.test(spec) ? parseInt(spec, 16) : BY_NAME.get(spec);
  return id !== undefined && COMMANDS.has(id) ? id : undefined;
}

export function replyIds(msgId: number): number[] {
  return [0x0001, ...(COMMANDS.get(msgId)?.replies ?? [])];
}
