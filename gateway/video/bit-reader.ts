/**
 * MSB-first bit reader over an RBSP, with the Exp-Golomb codes of H.264 §9.1 / H.265 §9.2.
 * Parameter sets come from the network: a read past the end, or a code longer than 32 bits,
 * throws a RangeError that the muxer turns into a counted refusal.
 */
export class BitReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  bit(): number {
    const byte = this.pos >> 3;
    if (byte >= this.buf.length) throw new RangeError('parameter set ends early');
    const v = (this.buf[byte]! >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return v;
  }

  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }

  skip(n: number): void {
    for (let i = 0; i < n; i++) this.bit();
  }

  /** ue(v) */
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) {
      if (++zeros > 31) throw new RangeError('Exp-Golomb code over 32 bits');
    }
    return 2 ** zeros - 1 + this.bits(zeros);
  }

  /** se(v) */
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}
