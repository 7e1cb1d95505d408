/**
 * A real baseline JPEG (ITU-T T.81) a browser decodes: greyscale, each 8x8 block one shade (its DC
 * coefficient only, every AC coefficient zero), so no DCT is needed to make it. The shades form a
 * diagonal gradient. The DC codes are the standard luminance table's (T.81 K.3); the AC table
 * holds EOB alone. Unlike photo.ts's payload, which only looks like a JPEG, this one has a
 * picture: an <img> shows it (naturalWidth = width).
 */

/** T.81 table K.3: DC luminance code lengths (counts per length 1..16) and symbols (categories) */
const DC_COUNTS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_SYMBOLS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
/** one AC symbol, EOB (0x00), of length 1 */
const AC_COUNTS = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const AC_SYMBOLS = [0x00];

/** canonical Huffman codes (T.81 C.2): symbol -> [code, length] */
function huffman(counts: number[], symbols: number[]): Map<number, [number, number]> {
  const codes = new Map<number, [number, number]>();
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < counts[length - 1]!; i++) codes.set(symbols[k++]!, [code++, length]);
    code <<= 1;
  }
  return codes;
}

class Bits {
  private readonly out: number[] = [];
  private acc = 0;
  private n = 0;

  put(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) this.flush();
    }
  }

  /** the entropy-coded segment, padded with 1s, with 0xFF stuffed (T.81 F.1.2.3) */
  bytes(): Buffer {
    if (this.n > 0) this.put(0xff, 8 - this.n);
    return Buffer.from(this.out);
  }

  private flush(): void {
    this.out.push(this.acc);
    if (this.acc === 0xff) this.out.push(0x00);
    this.acc = 0;
    this.n = 0;
  }
}

const segment = (marker: number, body: number[] | Buffer) => Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]), Buffer.from(body)]);

/** width and height: multiples of 8 */
export function gradientJpeg(width = 64, height = 48): Buffer {
  if (width % 8 || height % 8 || width <= 0 || height <= 0 || width > 4096 || height > 4096) throw new RangeError('width and height: positive multiples of 8, at most 4096');
  const dc = huffman(DC_COUNTS, DC_SYMBOLS);
  const [eob, eobLength] = huffman(AC_COUNTS, AC_SYMBOLS).get(0)!;
  const bits = new Bits();
  let previous = 0;
  const bw = width / 8;
  const bh = height / 8;
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      const shade = Math.round(40 + (175 * (bx + by)) / Math.max(1, bw + bh - 2));
      // quantiser 1: the DC coefficient of a flat block is 8 x (shade - 128) (T.81 A.3.3)
      const coefficient = 8 * (shade - 128);
      const diff = coefficient - previous;
      previous = coefficient;
      const category = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
      const [code, length] = dc.get(category)!;
      bits.put(code, length);
      // negative differences as their ones' complement in `category` bits (T.81 F.1.2.1)
      if (category > 0) bits.put(diff > 0 ? diff : diff + (1 << category) - 1, category);
      bits.put(eob, eobLength);
    }
  }
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]), // JFIF 1.1, no thumbnail
    segment(0xdb, [0x00, ...Array<number>(64).fill(1)]), // quantisation table 0: all 1
    segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]), // baseline, one component
    segment(0xc4, [0x00, ...DC_COUNTS, ...DC_SYMBOLS]),
    segment(0xc4, [0x10, ...AC_COUNTS, ...AC_SYMBOLS]),
    segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    bits.bytes(),
    Buffer.from([0xff, 0xd9]),
  ]);
}
