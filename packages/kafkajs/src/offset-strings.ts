/** '000' … '999': the last three digits of an offset. */
const LAST_THREE_DIGITS: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'))

/**
 * Below this the thousands and the last three digits make fewer than 13 characters, so joining
 * them gives a flat string (V8 makes a two-part "cons" string from 13 characters on).
 */
const SPLIT_BELOW = 1e12

/**
 * Offsets as the decimal strings KafkaJS hands out, for the mostly consecutive offsets of fetched
 * batches (one instance per batch or per eachMessage loop).
 *
 * `String(n)` of a number that is not in V8's small number-to-string cache (every new offset)
 * goes through the runtime: at 100-byte records that was most of the per-message cost of the
 * layer apart from memory. Here the runtime converts only the thousands, once per 1,000
 * consecutive offsets, and each offset is that string joined with its last three digits from a
 * table (a short concatenation that optimized code does inline). The result is an ordinary flat
 * string, equal to `String(offset)`.
 */
export class OffsetStrings {
  private thousands = -1
  private thousandsString = ''

  of(offset: bigint): string {
    // No bigint comparison (each is a call): offsets above 2^53 convert to a double that is too,
    // and negative ones to a negative one.
    const n = Number(offset)
    return n >= 0 && n <= Number.MAX_SAFE_INTEGER ? this.ofNumber(n) : String(offset)
  }

  /** `of` for an offset given as a number (a safe integer; the decoder's `makeWithNumberOffset` gives one). */
  ofNumber(n: number): string {
    if (n >= 1000 && n < SPLIT_BELOW) {
      // Exact: n / 1000 is far below 2^53, so the division cannot round up across an integer.
      const thousands = Math.floor(n / 1000)
      if (thousands !== this.thousands) {
        this.thousands = thousands
        this.thousandsString = String(thousands)
      }
      return this.thousandsString + LAST_THREE_DIGITS[n - thousands * 1000]!
    }
    return String(n)
  }
}
