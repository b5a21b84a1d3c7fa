// The Go row of the CRC-32C table in apps/bench/src/record-batch.bench.ts: Go's hash/crc32 with
// the Castagnoli table, which franz-go uses to check and write record batches (on amd64 it runs
// three streams of the SSE4.2 CRC32 instruction side by side). Same method as the bench's Node
// rows: a 1 MiB input of the same bytes, 400 ms warm-up, then the median of 7 periods of 250 ms.
// Prints one JSON line: {"mbPerSecond": ...}.
package main

import (
	"fmt"
	"hash/crc32"
	"sort"
	"time"
)

const (
	inputBytes = 1 << 20
	warmup     = 400 * time.Millisecond
	period     = 250 * time.Millisecond
	periods    = 7
)

func main() {
	table := crc32.MakeTable(crc32.Castagnoli)
	data := make([]byte, inputBytes)
	for i := range data {
		data[i] = byte(uint32(i) * 2654435761 >> 24) // the Node rows' input
	}
	var sink uint32
	run := func(d time.Duration) float64 {
		count := 0
		start := time.Now()
		for {
			sink ^= crc32.Checksum(data, table)
			count++
			if elapsed := time.Since(start); elapsed >= d {
				return float64(count) / elapsed.Seconds()
			}
		}
	}
	run(warmup)
	rates := make([]float64, 0, periods)
	for i := 0; i < periods; i++ {
		rates = append(rates, run(period))
	}
	sort.Float64s(rates)
	fmt.Printf("{\"mbPerSecond\":%.1f,\"checksum\":%d}\n", rates[periods/2]*inputBytes/1e6, sink&1)
}
