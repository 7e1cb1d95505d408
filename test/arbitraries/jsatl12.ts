import fc from 'fast-check';
import { bytesOf, byte, dword, edition, gbkText, isoTime, word } from './common.js';
import type { BodyArbitraries } from './common.js';

const any = <T>(a: fc.Arbitrary<T>) => fc.record({ version: edition, body: a });
const time = fc.option(isoTime, { nil: null });

/** T/JSATL12's 16-byte identifier, Guangdong's 40 (reserved WORD) and Heilongjiang's 38 (no reserved). */
export const jiangsuIdentifier = fc.record({ terminalId: gbkText(7), time, seq: byte, attachments: byte, reserved: byte });
// regional terminal IDs stay under 20 of their 30 bytes: the NUL padding keeps a 0x1210 from also
// fitting the Jiangsu layout by chance (the decoder tries Jiangsu first)
const guangdongIdentifier = fc.record({ terminalId: gbkText(20), time, seq: byte, attachments: byte, reserved: word, region: fc.constant<'guangdong'>('guangdong') });
const heilongjiangIdentifier = fc.record({ terminalId: gbkText(20), time, seq: byte, attachments: byte, region: fc.constant<'heilongjiang'>('heilongjiang') });
export const identifier = fc.oneof(jiangsuIdentifier, guangdongIdentifier, heilongjiangIdentifier);

const fileInfo = fc.record({ name: gbkText(60), fileType: byte, size: dword });
const files = (n: number, name: number) => fc.array(fc.record({ name: gbkText(name), size: dword }), { maxLength: n });
// short alarm numbers and (Heilongjiang) at most one short file keep each regional body from fitting
// another layout's file list by chance, so a round trip reads the layout it wrote
const attachmentList = fc.oneof(
  fc.record({ terminalId: gbkText(7), identifier: jiangsuIdentifier, alarmNo: gbkText(32), infoType: byte, files: files(6, 50) }),
  fc.record({ terminalId: gbkText(30), identifier: guangdongIdentifier, alarmNo: gbkText(16), infoType: byte, files: files(6, 50) }),
  fc.record({ identifier: heilongjiangIdentifier, alarmNo: gbkText(16), infoType: byte, files: files(1, 20) }),
);

export const jsatl12: BodyArbitraries = {
  0x9208: any(fc.record({ ip: gbkText(40), tcpPort: word, udpPort: word, identifier, alarmNo: gbkText(32), reserved: bytesOf(16, 16) })),
  0x1210: any(attachmentList),
  0x1211: any(fileInfo),
  0x1212: any(fileInfo),
  0x9212: any(
    fc.record({ name: gbkText(50), fileType: byte, result: byte, resend: fc.array(fc.record({ offset: dword, length: dword }), { maxLength: 10 }) }),
  ),
};
