// The franz-go peer of apps/bench/src/transactions.bench.ts, built by the bench into
// apps/bench/.cache/ and run in its own process, one run per process:
//
//	txbench <bootstrap> <topic> <transactionalId> <keysFile> <valuesFile> <records> <recordsPerTransaction>
//
// kgo client with TransactionalID and no compression (franz-go's default is snappy; the other
// clients send uncompressed); franz-go's defaults otherwise, except MetadataMinAge when
// BENCH_FRANZ_METADATA_MIN_AGE_MS is set (the bench's franz-go-tuned variant). One warm-up transaction of
// recordsPerTransaction records (not timed), then records / recordsPerTransaction transactions:
// BeginTransaction, Produce × recordsPerTransaction (asynchronous, with a promise), Flush,
// EndTransaction(TryCommit) — franz-go's EndTransaction does not flush itself. Timed until the last
// EndTransaction returns. Record j (warm-up first) is keys[j % keys] / values[j % values].
// Prints one JSON line.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

type result struct {
	Records               int     `json:"records"`
	PayloadBytes          int     `json:"payloadBytes"`
	Seconds               float64 `json:"seconds"`
	CPUSeconds            float64 `json:"cpuSeconds"`
	CPUUserSeconds        float64 `json:"cpuUserSeconds"`
	CPUSystemSeconds      float64 `json:"cpuSystemSeconds"`
	PeakRssMiB            float64 `json:"peakRssMiB"`
	RssAtStartMiB         float64 `json:"rssAtStartMiB"`
	Acknowledged          int64   `json:"acknowledged"`
	CommittedTransactions int     `json:"committedTransactions"`
	Errors                int64   `json:"errors"`
	FirstError            string  `json:"firstError,omitempty"`
}

func lines(path string) [][]byte {
	data, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	var out [][]byte
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(line) > 0 {
			out = append(out, line)
		}
	}
	return out
}

func cpuSeconds() (user, system float64) {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		fail(err)
	}
	return float64(usage.Utime.Sec) + float64(usage.Utime.Usec)/1e6, float64(usage.Stime.Sec) + float64(usage.Stime.Usec)/1e6
}

// statusMiB reads a field of /proc/self/status (VmRSS: resident now, VmHWM: peak resident) in MiB.
func statusMiB(field string) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fail(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, field+":") {
			kib, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(line, field+":")), " kB"), 64)
			return kib / 1024
		}
	}
	return -1
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "txbench:", err)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 8 {
		fail(fmt.Errorf("usage: txbench <bootstrap> <topic> <transactionalId> <keysFile> <valuesFile> <records> <recordsPerTransaction>"))
	}
	bootstrap, topic, transactionalID := os.Args[1], os.Args[2], os.Args[3]
	keys, values := lines(os.Args[4]), lines(os.Args[5])
	records, _ := strconv.Atoi(os.Args[6])
	perTransaction, _ := strconv.Atoi(os.Args[7])

	options := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(bootstrap, ",")...),
		kgo.TransactionalID(transactionalID),
		kgo.DefaultProduceTopic(topic),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
	}
	// BENCH_FRANZ_METADATA_MIN_AGE_MS: see the bench's franz-go variants.
	if ms := os.Getenv("BENCH_FRANZ_METADATA_MIN_AGE_MS"); ms != "" {
		n, err := strconv.Atoi(ms)
		if err != nil {
			fail(err)
		}
		options = append(options, kgo.MetadataMinAge(time.Duration(n)*time.Millisecond))
	}
	// BENCH_FRANZ_LOG=debug (or info, warn) logs to stderr, to see where the time goes.
	if level := os.Getenv("BENCH_FRANZ_LOG"); level != "" {
		levels := map[string]kgo.LogLevel{"debug": kgo.LogLevelDebug, "info": kgo.LogLevelInfo, "warn": kgo.LogLevelWarn}
		options = append(options, kgo.WithLogger(kgo.BasicLogger(os.Stderr, levels[level], func() string { return time.Now().Format("15:04:05.000 ") })))
	}
	client, err := kgo.NewClient(options...)
	if err != nil {
		fail(err)
	}
	defer client.Close()
	ctx := context.Background()

	var acknowledged, failed atomic.Int64
	var firstError string
	var errorOnce sync.Once
	promise := func(_ *kgo.Record, err error) {
		if err == nil {
			acknowledged.Add(1)
			return
		}
		failed.Add(1)
		errorOnce.Do(func() { firstError = err.Error() })
	}
	j := 0
	transaction := func() error {
		if err := client.BeginTransaction(); err != nil {
			return err
		}
		for i := 0; i < perTransaction; i, j = i+1, j+1 {
			client.Produce(ctx, &kgo.Record{Key: keys[j%len(keys)], Value: values[j%len(values)]}, promise)
		}
		if err := client.Flush(ctx); err != nil {
			return err
		}
		return client.EndTransaction(ctx, kgo.TryCommit)
	}
	// warm-up: connections, metadata, producer id
	if err := transaction(); err != nil {
		fail(fmt.Errorf("warm-up transaction: %w", err))
	}
	acknowledged.Store(0)

	rssAtStart := statusMiB("VmRSS")
	userAtStart, systemAtStart := cpuSeconds()
	startedAt := time.Now()
	committed := 0
	for t := 0; t < records/perTransaction; t++ {
		if err := transaction(); err != nil {
			failed.Add(1)
			errorOnce.Do(func() { firstError = err.Error() })
			break
		}
		committed++
	}
	seconds := time.Since(startedAt).Seconds()
	user, system := cpuSeconds()
	user -= userAtStart
	system -= systemAtStart

	out, _ := json.Marshal(result{
		Records:               records,
		PayloadBytes:          records * (len(keys[0]) + len(values[0])),
		Seconds:               seconds,
		CPUSeconds:            user + system,
		CPUUserSeconds:        user,
		CPUSystemSeconds:      system,
		PeakRssMiB:            statusMiB("VmHWM"),
		RssAtStartMiB:         rssAtStart,
		Acknowledged:          acknowledged.Load(),
		CommittedTransactions: committed,
		Errors:                failed.Load(),
		FirstError:            firstError,
	})
	fmt.Printf("\n%s\n", out)
}
