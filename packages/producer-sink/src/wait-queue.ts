/**
 * Senders waiting for room in the producer's buffer, first come first served: O(1) to add, to
 * wake the first, and to put a woken sender that still does not fit back at the front.
 */
export class WaitQueue {
  private readonly waiters: Array<(() => void) | undefined> = []
  private head = 0
  /** Woken senders that have not yet taken their room or gone back to wait. */
  private woken = 0

  /** Waiting senders, including woken ones still deciding. */
  get length(): number {
    return this.waiters.length - this.head + this.woken
  }

  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /** For a woken sender that still does not fit: wait again, ahead of everyone else. */
  waitAtFront(): Promise<void> {
    this.woken--
    return new Promise((resolve) => {
      if (this.head > 0) this.waiters[--this.head] = resolve
      else this.waiters.unshift(resolve)
    })
  }

  /** A woken sender took its room. */
  done(): void {
    this.woken--
    this.wakeFirst()
  }

  /** Wakes the first waiter, unless one woken earlier is still deciding (it goes first). */
  wakeFirst(): void {
    if (this.woken > 0 || this.head >= this.waiters.length) return
    const wake = this.waiters[this.head]!
    this.waiters[this.head++] = undefined
    if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters.splice(0, this.head)
      this.head = 0
    }
    this.woken++
    wake()
  }

  /** Wakes everyone (close): each sees the producer closed. */
  wakeAll(): void {
    while (this.head < this.waiters.length) {
      const wake = this.waiters[this.head]!
      this.waiters[this.head++] = undefined
      this.woken++
      wake()
    }
  }
}
