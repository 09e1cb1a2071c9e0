/**
 * A running sum of floating-point numbers kept exactly, so values can be added and
 * later taken out again (a session's bit rate replaced by its next sample, a session
 * leaving) in O(1) without rounding errors piling up: the sum of the values in at any
 * moment, correctly rounded, whatever the order they came and went. Shewchuk's
 * non-overlapping partials, with the final rounding of Python's math.fsum. Values
 * that are not finite are counted apart (a NaN in makes the sum NaN until it is out).
 */
export class ExactSum {
  private partials: number[] = [];
  private nan = 0;
  private plusInfinity = 0;
  private minusInfinity = 0;

  add(value: number): void {
    this.change(value, 1);
  }

  /** Takes out a value added before. */
  subtract(value: number): void {
    this.change(value, -1);
  }

  clear(): void {
    this.partials = [];
    this.nan = this.plusInfinity = this.minusInfinity = 0;
  }

  value(): number {
    if (this.nan > 0 || (this.plusInfinity > 0 && this.minusInfinity > 0)) return NaN;
    if (this.plusInfinity > 0) return Infinity;
    if (this.minusInfinity > 0) return -Infinity;
    const p = this.partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n]!;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round half to even when the rest of the partials push past a tie.
    if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }

  private change(value: number, sign: 1 | -1): void {
    if (Number.isNaN(value)) {
      this.nan += sign;
      return;
    }
    if (value === Infinity) {
      this.plusInfinity += sign;
      return;
    }
    if (value === -Infinity) {
      this.minusInfinity += sign;
      return;
    }
    let x = sign * value;
    const p = this.partials;
    let i = 0;
    for (let j = 0; j < p.length; j++) {
      let y = p[j]!;
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p.length = i;
    if (x !== 0) p.push(x);
  }
}
