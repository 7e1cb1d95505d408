/**
 * The JT/T 808 codec's public surface: split a byte stream into frames, decode a frame,
 * encode a message (split into subpackages when large), reassemble parts; and the JT/T 1078
 * media packet beside it (decode, encode, split a stream). Pure: no
 * sockets, no timers; time is always passed in.
 */
export { FrameSplitter } from './splitter.js';
export type { SplitterOptions, FrameHandler, FrameErrorHandler } from './splitter.js';
export { AttachmentStreamSplitter, FILE_DATA_HEADER, FILE_DATA_MAGIC, MAX_FILE_DATA, encodeFileData } from './attachment-stream.js';
export type { AttachmentStreamHandlers, AttachmentStreamOptions, FileData, FileDataHandler } from './attachment-stream.js';
export { MAX_MEDIA_BODY, MAX_MEDIA_PACKET, MEDIA_DATA_TYPE, MEDIA_MAGIC, PAYLOAD_TYPE, SUBPACKAGE_MARK, decodeMediaPacket, encodeMediaPacket, scanMediaHeader, simMatchKey } from './jt1078.js';
export type { MediaDataType, MediaDecodeOptions, MediaHeaderScan, MediaPacket, MediaPacketInput, MediaPacketResult, SimWidth, SubpackageMark } from './jt1078.js';
export { MediaPacketSplitter } from './jt1078-splitter.js';
export type { MediaErrorHandler, MediaPacketHandler, MediaSplitterHandlers } from './jt1078-splitter.js';
export { decodeFrame, decodeBody, decodeWire } from './decode.js';
export type { DecodeOptions, DecodeResult } from './decode.js';
export { encode, encodeBody, encodeParts } from './encode.js';
export { Jt808Error, JT808_ERROR_CODES } from './errors.js';
export type { Jt808ErrorCode } from './errors.js';
export { enframe, unescape, unframe, xorChecksum, MAX_ESCAPED, MAX_UNESCAPED } from './frame.js';
export { MAX_BODY, VENDOR_ANSWER_BIT, hasShortSerial } from './header.js';
export { codecFor, knownMessageIds } from './registry.js';
export type { BodyCodec } from './registry.js';
export { isMessage } from './message.js';
export type { BodyMap, Edition, Header, Message, MessagePart, OutgoingMessage, PacketInfo, RawBody, TypedMessage } from './message.js';
export { toJson, messageToJson, needsReplacer } from './json.js';
export { RESULT, retransmitIdsPerMessage } from './bodies/general.js';
export { MEDIA_EVENT, MEDIA_FORMAT, MEDIA_TYPE, UPLOAD_ANSWER_MAX_IDS } from './bodies/multimedia.js';
export type * from './bodies/general.js';
export { Reassembler, ReassemblyBudget } from './reassembly.js';
export type { AddResult, Incomplete, ReassemblyOptions } from './reassembly.js';
export type * from './bodies/location.js';
export type * from './bodies/location-items.js';
export type * from './bodies/registration.js';
export type * from './bodies/parameters.js';
export type * from './bodies/control.js';
export type * from './bodies/messaging.js';
export type * from './bodies/areas.js';
export type * from './bodies/multimedia.js';
export type * from './bodies/video.js';
export type * from './bodies/jsatl12.js';
export type * from './bodies/vendor.js';
export { alarmNames, statusNames, ALARM_BIT, STATUS_BIT } from './bodies/location-bits.js';
export { REGISTRATION_RESULT, UPGRADE_TYPE, UPGRADE_RESULT } from './bodies/registration.js';
export { TERMINAL_COMMAND } from './bodies/parameters.js';
export { paramDef, PARAM_ID } from './bodies/parameter-table.js';
