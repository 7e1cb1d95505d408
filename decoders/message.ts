/**
 * The codec's typed surface: a message is its header fields plus a body. Bodies are typed
 * per message ID through `BodyMap`, which each family file under bodies/ augments, so
 * `TypedMessage<0x0200>` has a `LocationReport` body without one central list to edit.
 */
export type Edition = '2011' | '2013' | '2019';

export interface PacketInfo {
  total: number;
  index: number;
}

export interface Header {
  msgId: number;
  version: Edition;
  phone: string;
  serial: number;
  /** 2019 header's protocol-version byte (starts at 1); absent before 2019. */
  protocolVersion?: number;
  /** Body attribute bits 10-12 (1 = RSA); absent when 0. An encrypted body is kept raw. */
  encryption?: number;
  /** Present when the subpackage bit is set. */
  packet?: PacketInfo;
  /**
   * Bits 10-15 of the attribute word of a vendor message with a one-byte serial (0x5501,
   * 0x5502, 0x4401: header.ts), as sent; absent when 0. Bit 15 (0x8000) asks for a 0x4401 answer.
   */
  vendorFlags?: number;
}

/** Filled in by bodies/*.ts through module augmentation: msgId -> body type. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface BodyMap {}

/** The body of a message ID the codec does not know, or of an encrypted message. */
export interface RawBody {
  raw: Buffer;
}

export interface Message<B = unknown> extends Header {
  body: B;
}

/** One part of a subpackaged message, before reassembly: header plus the part's bytes. */
export interface MessagePart extends Header {
  packet: PacketInfo;
  part: Buffer;
}

export type TypedMessage<K extends keyof BodyMap> = Header & { msgId: K; body: BodyMap[K] };

/** What the encoder takes: header fields it cannot derive, plus the body. */
export interface OutgoingMessage<B = unknown> {
  msgId: number;
  version: Edition;
  phone: string;
  serial: number;
  protocolVersion?: number;
  encryption?: number;
  packet?: PacketInfo;
  vendorFlags?: number;
  body: B;
}

export function isMessage<K extends keyof BodyMap & number>(m: Message | MessagePart, msgId: K): m is TypedMessage<K> & Message<BodyMap[K]> {
  return m.msgId === msgId && !('part' in m);
}
