/** The closed label sets of the dipper_attachment_* metrics (gateway/metrics.ts starts each at 0). */

/** 0x9208 after an active-safety alarm with attachments: sent, or why not. */
export const REQUEST_OUTCOMES = ['sent', 'no-room', 'no-address', 'unencodable'] as const;
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[number];

/** How an attachment connection ended. */
export const UPLOAD_OUTCOMES = ['complete', 'incomplete', 'expired', 'idle', 'refused', 'shutdown', 'error'] as const;
export type UploadOutcome = (typeof UPLOAD_OUTCOMES)[number];

/** What became of an announced file. */
export const FILE_OUTCOMES = ['stored', 'duplicate', 'refused', 'removed'] as const;
export type FileOutcome = (typeof FILE_OUTCOMES)[number];

/**
 * Why input on the attachment port was refused: a connection (at accept), a message (answered
 * 0x8001 result 1 or 2), a data frame (dropped: the standard answers none), or the connection
 * (closed). Those marked "closes" end the connection.
 */
export const ATTACHMENT_REFUSALS = [
  // at accept (closes)
  'shutting-down',
  'max-connections',
  'per-ip',
  // the file list, 0x1210 (closes)
  'no-list',
  'unknown-alarm-no',
  'foreign-alarm-no',
  'alarm-busy',
  'too-many-files',
  'bad-list',
  'other-alarm',
  // a file, 0x1211 / 0x1212 (answered 0x8001 result 1)
  'unannounced-file',
  'size-mismatch',
  'file-too-large',
  'in-flight-full',
  'media-terminal-quota',
  'media-total-quota',
  'media-too-large',
  // a data frame (dropped)
  'unannounced-data',
  'after-complete',
  'beyond-size',
  'too-many-ranges',
  // the stream (closes)
  'bad-data-frame',
  'malformed',
  'unsupported',
  'junk',
  'too-many-refusals',
  'unread',
  // no list within attachments.idleTimeoutMs of connecting, whatever else it sent (closes)
  'list-late',
] as const;
export type AttachmentRefusal = (typeof ATTACHMENT_REFUSALS)[number];
