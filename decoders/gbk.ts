import iconv from 'iconv-lite';

/**
 * GBK text with an ASCII fast path: plates and maker IDs are mostly ASCII, and iconv's
 * decoder costs far more than latin1 for those. Fixed-width fields are padded with 0x00
 * (the standard) or spaces (some terminals); both are trimmed on decode.
 */
export function decodeGbk(buf: Buffer, start: number, end: number): string {
  while (end > start && (buf[end - 1] === 0x00 || buf[end - 1] === 0x20)) end--;
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (buf[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  return ascii ? buf.toString('latin1', start, end) : iconv.decode(buf.subarray(start, end), 'gbk');
}

export function encodeGbk(text: string): Buffer {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text) ? Buffer.from(text, 'latin1') : iconv.encode(text, 'gbk');
}
