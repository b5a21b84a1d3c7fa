// The order in which a bench runs its clients (or backends) in each round.

/**
 * The clients' order in round `round` (1-based): the rows of a Williams design (a Latin square
 * balanced for the client run just before). For an even number n of clients, over n rounds each
 * client runs at each position once and right after each other client once; for an odd n the
 * rows of the square are followed by their mirror images, so the same holds twice over 2n rounds.
 * Then the rows repeat (round-order.test.ts checks this for 1 to 8 clients).
 * A rotation of the list kept every client's predecessor (bar the first of a round): with the
 * compat clients, @kafkats/kafkajs always ran right after KafkaJS, whose light load leaves the
 * brokers rested, and kafkats' `sendBatch` row always right after kafkats' busiest one.
 */
export function roundOrder<T>(list: readonly T[], round: number): T[] {
  const n = list.length
  // First row 0, 1, n-1, 2, n-2, ...; row r adds r to each (mod n).
  const first = [0]
  for (let low = 1, high = n - 1; first.length < n; ) {
    first.push(low++)
    if (first.length < n) first.push(high--)
  }
  const rows = n % 2 === 0 ? n : 2 * n
  const row = (round - 1) % rows
  const order = first.map((i) => list[(i + row) % n]!)
  return row >= n ? order.reverse() : order
}
