/**
 * Registration, authentication, terminal attributes and remote upgrade.
 *
 *   0x0100 terminal registration (2013 §8.5, 2019 §8.7)
 *            provinceId WORD, cityId WORD, makerId BYTE[5], model BYTE[20], terminalId BYTE[7],
 *            plateColor BYTE, plate STRING (to the end)
 *            2011: model BYTE[8]; 2019: makerId BYTE[11], model BYTE[30], terminalId BYTE[30]
 *   0x8100 registration answer    ackSerial WORD, result BYTE (0 ok, 1 vehicle already registered,
 *            2 no such vehicle, 3 terminal already registered, 4 no such terminal),
 *            authCode STRING (to the end, only when result is 0)
 *   0x0102 authentication         2013: authCode STRING (the whole body)
 *            2019: codeLen BYTE, authCode STRING[codeLen], imei BYTE[15], softwareVersion BYTE[20]
 *   0x8107 query attributes       empty
 *   0x0107 attributes answer      terminalType WORD, makerId BYTE[5], model BYTE[20] (2019: [30]),
 *            terminalId BYTE[7] (2019: [30]), iccid BCD[10], hwLen BYTE, hardwareVersion STRING,
 *            fwLen BYTE, firmwareVersion STRING, gnssProperties BYTE, commProperties BYTE
 *   0x8108 upgrade package        upgradeType BYTE (0 terminal, 12 IC card reader, 52 GNSS module),
 *            makerId BYTE[5], versionLen BYTE, version STRING, dataLen DWORD, data BYTE[dataLen]
 *   0x0108 upgrade result         upgradeType BYTE, result BYTE (0 ok, 1 failed, 2 cancelled)
 *
 * Fixed-width text fields are zero-padded on the wire; padding (NULs or spaces) is trimmed.
 * Leading '0' characters some 2019 terminals use as left padding are kept: they are data.
 *
 * Decisions on editions and real-device quirks, all made from the body length:
 * - 0x0100 without the 2019 flag: a body shorter than 37 bytes (the 2013 fixed part) is the
 *   2011 layout, otherwise 2013; ctx.version is refined to match. Limit: a 2011 body whose
 *   plate is 12 bytes or more (a VIN) reads as 2013.
 * - 0x0100 with the 2019 flag but shorter than 76 bytes (the 2019 fixed part) is a 2013
 *   body behind a 2019 header (seen on devices that only switched their header); it is
 *   read with the 2013 widths. The encoder always writes the layout of ctx.version.
 * - 0x0102 with the 2019 flag whose length is not exactly 1 + codeLen + 35 is a 2013 body
 *   (the whole body is the code); the result has no imei/softwareVersion, and the encoder
 *   writes the 2013 form for a body without imei.
 * - 0x0107: the standard keeps makerId at BYTE[5] in 2019 (SmallChi/JT808#43, #60), but
 *   some 2019 terminals send BYTE[11] like 0x0100 (SmallChi/JT808#52). The 5-byte layout is
 *   used unless it does not end exactly at the body's end while the 11-byte one does. The
 *   encoder writes BYTE[11] only for a 2019 makerId longer than 5 bytes, so such bodies
 *   re-encode as they came.
 * - 0x0107 iccid: BCD[10], but ICCIDs of 19 digits are often padded with an F nibble, so the
 *   field is read as 20 hex characters (digits, upper-case A-F) instead of failing the frame.
 * - 0x8100 with result != 0: trailing bytes some platforms send are ignored.
 * - 0x8108 makerId: BYTE[5] in every edition (SmallChi writes BYTE[11] for 2019, following
 *   its 0x0107 reading, which the 2019 devices of #43 contradict).
 */
import { fail } from '../errors.js';
import { gbk, gbk8, gbkRest, struct, u16, u8, when } from '../fields.js';
import type { Field } from '../fields.js';
import { encodeGbk } from '../gbk.js';
import { defineBody, emptyBody } from '../registry.js';
import type { BodyCodec } from '../registry.js';
import type { Reader } from '../reader.js';

export interface Registration {
  provinceId: number;
  cityId: number;
  makerId: string;
  model: string;
  terminalId: string;
  /** 0 not plated (plate then holds the VIN), 1 blue, 2 yellow, 3 black, 4 white, 5 green (2019), 9 other. */
  plateColor: number;
  plate: string;
}

export interface RegistrationAnswer {
  ackSerial: number;
  result: number;
  /** Present when result is 0. */
  authCode?: string;
}

export interface Authentication {
  authCode: string;
  /** 2019 layout only. */
  imei?: string;
  /** 2019 layout only. */
  softwareVersion?: string;
}

export interface TerminalAttributes {
  /** Bits: 0 passenger, 1 dangerous goods, 2 freight, 3 taxi, 6 video recording, 7 split unit, 8 trailer (2019). */
  terminalType: number;
  makerId: string;
  model: string;
  terminalId: string;
  /** 20 hex characters (BCD digits; an F nibble pads 19-digit ICCIDs). */
  iccid: string;
  hardwareVersion: string;
  firmwareVersion: string;
  /** Bits: 0 GPS, 1 BeiDou, 2 GLONASS, 3 Galileo. */
  gnssProperties: number;
  /** Bits: 0 GPRS, 1 CDMA, 2 TD-SCDMA, 3 WCDMA, 4 CDMA2000, 5 TD-LTE, 7 other. */
  commProperties: number;
}

export interface UpgradePackage {
  upgradeType: number;
  makerId: string;
  version: string;
  data: Buffer;
}

export interface UpgradeResult {
  upgradeType: number;
  result: number;
}

declare module '../message.js' {
  interface BodyMap {
    0x0100: Registration;
    0x8100: RegistrationAnswer;
    0x0102: Authentication;
    0x8107: Record<string, never>;
    0x0107: TerminalAttributes;
    0x8108: UpgradePackage;
    0x0108: UpgradeResult;
  }
}

export const REGISTRATION_RESULT = {
  ok: 0,
  vehicleRegistered: 1,
  noSuchVehicle: 2,
  terminalRegistered: 3,
  noSuchTerminal: 4,
} as const;

export const UPGRADE_TYPE = { terminal: 0, icCardReader: 12, gnssModule: 52 } as const;
export const UPGRADE_RESULT = { ok: 0, failed: 1, cancelled: 2 } as const;

// ---- 0x0100 ----

const registrationLayout = (maker: number, model: number, id: number): Field<Registration> =>
  struct({ provinceId: u16, cityId: u16, makerId: gbk(maker), model: gbk(model), terminalId: gbk(id), plateColor: u8, plate: gbkRest });

const REG_2011 = registrationLayout(5, 8, 7);
const REG_2013 = registrationLayout(5, 20, 7);
const REG_2019 = registrationLayout(11, 30, 30);
/** Fixed parts (everything but the plate). */
export const REG_FIXED_2013 = 37;
export const REG_FIXED_2019 = 76;

const registrationCodec: BodyCodec<Registration> = {
  msgId: 0x0100,
  name: 'registration',
  direction: 'up',
  decode(r, ctx) {
    if (ctx.version === '2019') return (r.remaining >= REG_FIXED_2019 ? REG_2019 : REG_2013).read(r, ctx, {});
    ctx.version = r.remaining < REG_FIXED_2013 ? '2011' : '2013';
    return (ctx.version === '2011' ? REG_2011 : REG_2013).read(r, ctx, {});
  },
  encode(w, body, ctx) {
    const layout = ctx.version === '2019' ? REG_2019 : ctx.version === '2011' ? REG_2011 : REG_2013;
    layout.write(w, body, ctx, {});
  },
};

// ---- 0x0102 ----

const AUTH_2019_TAIL = 15 + 20;

const authentication: BodyCodec<Authentication> = {
  msgId: 0x0102,
  name: 'authentication',
  direction: 'up',
  decode(r, ctx) {
    const n = r.remaining;
    if (ctx.version === '2019' && n > 0 && n === 1 + r.buf[r.pos]! + AUTH_2019_TAIL) {
      const authCode = r.gbk8('auth code');
      return { authCode, imei: r.gbk(15, 'IMEI'), softwareVersion: r.gbk(20, 'software version') };
    }
    return { authCode: r.gbkRest() };
  },
  encode(w, body, ctx) {
    if (ctx.version === '2019' && body.imei !== undefined) {
      w.gbk8(body.authCode, 'auth code').gbk(body.imei, 15, 'IMEI').gbk(body.softwareVersion ?? '', 20, 'software version');
    } else w.gbkRest(body.authCode);
  },
};

// ---- 0x0107 ----

/** BCD[10] read as hex so an F-padded ICCID does not fail the frame. */
const iccid: Field<string> = {
  read: (r) => r.hex(10, 'ICCID').toUpperCase(),
  write(w, v) {
    if (!/^[0-9A-Fa-f]{0,20}$/.test(v)) fail('encode', `ICCID "${v}" is not up to 20 hex digits`);
    w.hex(v.padStart(20, '0'), 10, 'ICCID');
  },
};

const attributesLayout = (maker: number, model: number, id: number): Field<TerminalAttributes> =>
  struct({
    terminalType: u16,
    makerId: gbk(maker),
    model: gbk(model),
    terminalId: gbk(id),
    iccid,
    hardwareVersion: gbk8,
    firmwareVersion: gbk8,
    gnssProperties: u8,
    commProperties: u8,
  });

const ATTR_2013 = attributesLayout(5, 20, 7);
const ATTR_2019 = attributesLayout(5, 30, 30);
const ATTR_2019_MAKER11 = attributesLayout(11, 30, 30);

/** Whether the 0x0107 layout with these widths ends exactly at the body's end. */
function attributesFit(r: Reader, maker: number, model: number, id: number): boolean {
  let at = r.pos + 2 + maker + model + id + 10;
  if (at >= r.end) return false;
  at += 1 + r.buf[at]!; // hardware version
  if (at >= r.end) return false;
  at += 1 + r.buf[at]!; // firmware version
  return at + 2 === r.end;
}

const attributes: BodyCodec<TerminalAttributes> = {
  msgId: 0x0107,
  name: 'terminalAttributes',
  direction: 'up',
  decode(r, ctx) {
    if (ctx.version !== '2019') return ATTR_2013.read(r, ctx, {});
    const quirk = !attributesFit(r, 5, 30, 30) && attributesFit(r, 11, 30, 30);
    return (quirk ? ATTR_2019_MAKER11 : ATTR_2019).read(r, ctx, {});
  },
  encode(w, body, ctx) {
    if (ctx.version !== '2019') return ATTR_2013.write(w, body, ctx, {});
    const long = encodeGbk(body.makerId).length > 5;
    (long ? ATTR_2019_MAKER11 : ATTR_2019).write(w, body, ctx, {});
  },
};

// ---- 0x8108 / 0x0108 ----

/** A DWORD length followed by that many bytes. */
const bytes32: Field<Buffer> = {
  read: (r) => Buffer.from(r.bytes(r.u32('upgrade data length'), 'upgrade data')),
  write: (w, v) => void w.u32(v.length, 'upgrade data length').bytes(v),
};

export const registration = [
  registrationCodec,
  defineBody<RegistrationAnswer>(
    0x8100,
    'registrationAnswer',
    'down',
    struct({ ackSerial: u16, result: u8, authCode: when((p) => p.result === 0, gbkRest) }),
  ),
  authentication,
  emptyBody(0x8107, 'queryAttributes', 'down'),
  attributes,
  defineBody<UpgradePackage>(0x8108, 'upgradePackage', 'down', struct({ upgradeType: u8, makerId: gbk(5), version: gbk8, data: bytes32 })),
  defineBody<UpgradeResult>(0x0108, 'upgradeResult', 'up', struct({ upgradeType: u8, result: u8 })),
];
