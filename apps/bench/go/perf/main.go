// The franz-go peer of apps/bench/src/produce.bench.ts and consume.bench.ts, built by the benches
// into apps/bench/.cache/ and run in its own process, one run per process:
//
//	perfbench produce <bootstrap> <topic> <keysFile> <valuesFile> <records> <warmupRecords>
//	perfbench consume <bootstrap> <topic> <records>
//
// produce: kgo client with franz-go's defaults (acks=all, idempotent, ProducerLinger 10 ms,
// ProducerBatchMaxBytes ~1 MB, MaxBufferedRecords 50,000, murmur2 key partitioner) except
// compression: none (franz-go's default is snappy; the other clients send uncompressed). It sends
// warmupRecords and flushes (connections, metadata, producer id), then Produce × records with a
// promise each (Produce blocks while MaxBufferedRecords are buffered: franz-go's own back-pressure),
// then Flush; timed until Flush returns (every record acknowledged). Record j (warm-up first) is
// keys[j % keys] / values[j % values]. BENCH_TRACE_PRODUCE=1 adds every Produce request (broker,
// start, end, request bytes; a kgo OnBrokerE2E hook) and every acknowledged batch (broker,
// records, bytes; OnProduceBatchWritten) to the result, for the produce bench's --trace-produce.
//
// consume: kgo client without a group (as kafkats' DirectConsumer), ConsumeTopics from the start
// of every partition, franz-go's fetch defaults (FetchMaxBytes 50 MiB, FetchMaxPartitionBytes 1 MiB,
// CRC-32C checked); PollFetches until records have been handed out,
// timed from the first non-empty poll. BENCH_TRACE_FETCH=1 adds every Fetch request (broker, start,
// end, response bytes; a kgo OnBrokerE2E hook) to the result, for the consume bench's --trace-fetch.
//
// CPU: getrusage(RUSAGE_SELF) over the timed window (every thread of the process). Peak RSS: VmHWM
// of /proc/self/status. Prints one JSON line (the fields of the benches' Measured).
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

type measured struct {
	Records          int     `json:"records"`
	PayloadBytes     int     `json:"payloadBytes"`
	Seconds          float64 `json:"seconds"`
	CPUSeconds       float64 `json:"cpuSeconds"`
	CPUUserSeconds   float64 `json:"cpuUserSeconds"`
	CPUSystemSeconds float64 `json:"cpuSystemSeconds"`
	PeakRssMiB       float64 `json:"peakRssMiB"`
	RssAtStartMiB    float64 `json:"rssAtStartMiB"`
}

type produceResult struct {
	measured
	Acknowledged int64         `json:"acknowledged"`
	Errors       int64         `json:"errors"`
	FirstError   string        `json:"firstError,omitempty"`
	ProduceTrace *produceTrace `json:"produceTrace,omitempty"`
}

// produceRequest, produceBatch and produceTrace are the shapes of apps/bench/src/produce-trace.ts.
type produceRequest struct {
	NodeID       int32   `json:"nodeId"`
	StartMs      float64 `json:"startMs"`
	EndMs        float64 `json:"endMs"`
	RequestBytes int     `json:"requestBytes"`
}

type produceBatch struct {
	NodeID  int32   `json:"nodeId"`
	AtMs    float64 `json:"atMs"`
	Records int     `json:"records"`
	Bytes   int     `json:"bytes"`
}

type produceTrace struct {
	WindowStartMs float64          `json:"windowStartMs"`
	WindowEndMs   float64          `json:"windowEndMs"`
	Requests      []produceRequest `json:"requests"`
	Batches       []produceBatch   `json:"batches"`
}

// produceTracer records every Produce request (API key 0) and every acknowledged batch when
// BENCH_TRACE_PRODUCE=1. OnBrokerE2E comes once the response is read, so the request started
// DurationE2E before now; OnProduceBatchWritten comes per batch of a successful response.
type produceTracer struct {
	mu       sync.Mutex
	requests []produceRequest
	batches  []produceBatch
}

func (t *produceTracer) OnBrokerE2E(meta kgo.BrokerMetadata, key int16, e2e kgo.BrokerE2E) {
	if key != 0 || e2e.Err() != nil {
		return
	}
	end := time.Now()
	t.mu.Lock()
	t.requests = append(t.requests, produceRequest{NodeID: meta.NodeID, StartMs: sinceOrigin(end.Add(-e2e.DurationE2E())), EndMs: sinceOrigin(end), RequestBytes: e2e.BytesWritten})
	t.mu.Unlock()
}

func (t *produceTracer) OnProduceBatchWritten(meta kgo.BrokerMetadata, _ string, _ int32, metrics kgo.ProduceBatchMetrics) {
	now := sinceOrigin(time.Now())
	t.mu.Lock()
	t.batches = append(t.batches, produceBatch{NodeID: meta.NodeID, AtMs: now, Records: metrics.NumRecords, Bytes: metrics.CompressedBytes})
	t.mu.Unlock()
}

type consumeResult struct {
	measured
	SetupSeconds float64     `json:"setupSeconds"`
	FetchTrace   *fetchTrace `json:"fetchTrace,omitempty"`
}

// origin is the clock of the Fetch trace: ms since the process started.
var origin = time.Now()

func sinceOrigin(t time.Time) float64 { return float64(t.Sub(origin).Microseconds()) / 1000 }

// fetchRequest and fetchTrace are the shapes of apps/bench/src/fetch-trace.ts.
type fetchRequest struct {
	NodeID        int32   `json:"nodeId"`
	StartMs       float64 `json:"startMs"`
	EndMs         float64 `json:"endMs"`
	ResponseBytes int     `json:"responseBytes"`
}

type fetchTrace struct {
	WindowStartMs  float64        `json:"windowStartMs"`
	WindowEndMs    float64        `json:"windowEndMs"`
	Requests       []fetchRequest `json:"requests"`
	RunQueueWaitMs float64        `json:"runQueueWaitMs"`
}

// runQueueWaitMs sums, over this process' threads, the time they were runnable but waited for a
// CPU (the second field of /proc/self/task/<tid>/schedstat, ns), as fetch-trace.ts does for Node.
func runQueueWaitMs() float64 {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 0
	}
	total := 0.0
	for _, task := range tasks {
		data, err := os.ReadFile("/proc/self/task/" + task.Name() + "/schedstat")
		if err != nil {
			continue
		}
		if fields := strings.Fields(string(data)); len(fields) > 1 {
			ns, _ := strconv.ParseFloat(fields[1], 64)
			total += ns / 1e6
		}
	}
	return total
}

// fetchTracer records every Fetch (API key 1) when BENCH_TRACE_FETCH=1: kgo calls OnBrokerE2E
// once the response is read, with how long the write, the wait and the read took, so the request
// started DurationE2E before now.
type fetchTracer struct {
	mu       sync.Mutex
	requests []fetchRequest
}

func (t *fetchTracer) OnBrokerE2E(meta kgo.BrokerMetadata, key int16, e2e kgo.BrokerE2E) {
	if key != 1 || e2e.Err() != nil {
		return
	}
	end := time.Now()
	t.mu.Lock()
	t.requests = append(t.requests, fetchRequest{NodeID: meta.NodeID, StartMs: sinceOrigin(end.Add(-e2e.DurationE2E())), EndMs: sinceOrigin(end), ResponseBytes: e2e.BytesRead})
	t.mu.Unlock()
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
	fmt.Fprintln(os.Stderr, "perfbench:", err)
	os.Exit(1)
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		fail(err)
	}
	return n
}

// window measures CPU, RSS and wall time from start to stop.
type window struct {
	startedAt         time.Time
	user, system, rss float64
}

func startWindow() window {
	rss := statusMiB("VmRSS")
	user, system := cpuSeconds()
	return window{startedAt: time.Now(), user: user, system: system, rss: rss}
}

func (w window) stop(records, payloadBytes int) measured {
	seconds := time.Since(w.startedAt).Seconds()
	user, system := cpuSeconds()
	user -= w.user
	system -= w.system
	return measured{
		Records:          records,
		PayloadBytes:     payloadBytes,
		Seconds:          seconds,
		CPUSeconds:       user + system,
		CPUUserSeconds:   user,
		CPUSystemSeconds: system,
		PeakRssMiB:       statusMiB("VmHWM"),
		RssAtStartMiB:    w.rss,
	}
}

func printJSON(v any) {
	out, err := json.Marshal(v)
	if err != nil {
		fail(err)
	}
	fmt.Printf("\n%s\n", out)
}

func produce(bootstrap, topic string, keys, values [][]byte, records, warmup int) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(bootstrap, ",")...),
		kgo.DefaultProduceTopic(topic),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
	}
	var tracer *produceTracer
	if os.Getenv("BENCH_TRACE_PRODUCE") == "1" {
		tracer = &produceTracer{}
		opts = append(opts, kgo.WithHooks(tracer))
	}
	client, err := kgo.NewClient(opts...)
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
	send := func(n int) {
		for i := 0; i < n; i, j = i+1, j+1 {
			client.Produce(ctx, &kgo.Record{Key: keys[j%len(keys)], Value: values[j%len(values)]}, promise)
		}
	}
	send(warmup)
	if err := client.Flush(ctx); err != nil {
		fail(fmt.Errorf("warm-up flush: %w", err))
	}
	if failed.Load() > 0 {
		fail(fmt.Errorf("warm-up: %s", firstError))
	}
	acknowledged.Store(0)

	w := startWindow()
	send(records)
	if err := client.Flush(ctx); err != nil {
		failed.Add(1)
		errorOnce.Do(func() { firstError = err.Error() })
	}
	m := w.stop(records, records*(len(keys[0])+len(values[0])))
	result := produceResult{measured: m, Acknowledged: acknowledged.Load(), Errors: failed.Load(), FirstError: firstError}
	if tracer != nil {
		tracer.mu.Lock()
		start := sinceOrigin(w.startedAt)
		result.ProduceTrace = &produceTrace{WindowStartMs: start, WindowEndMs: start + m.Seconds*1000, Requests: tracer.requests, Batches: tracer.batches}
		tracer.mu.Unlock()
	}
	printJSON(result)
}

func consume(bootstrap, topic string, records int) {
	constructed := time.Now()
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(bootstrap, ",")...),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	}
	var tracer *fetchTracer
	if os.Getenv("BENCH_TRACE_FETCH") == "1" {
		tracer = &fetchTracer{}
		opts = append(opts, kgo.WithHooks(tracer))
	}
	client, err := kgo.NewClient(opts...)
	if err != nil {
		fail(err)
	}
	defer client.Close()
	ctx := context.Background()
	count, payload := 0, 0
	var w window
	var windowStart time.Time
	waitAtStart := 0.0
	setup := 0.0
	for count < records {
		fetches := client.PollFetches(ctx)
		if errs := fetches.Errors(); len(errs) > 0 {
			fail(fmt.Errorf("fetch: %v", errs[0].Err))
		}
		n := fetches.NumRecords()
		if n == 0 {
			continue
		}
		if count == 0 {
			w = startWindow()
			windowStart = w.startedAt
			if tracer != nil {
				waitAtStart = runQueueWaitMs()
			}
			setup = time.Since(constructed).Seconds()
		}
		fetches.EachRecord(func(r *kgo.Record) {
			payload += len(r.Key) + len(r.Value)
		})
		count += n
	}
	m := w.stop(count, payload)
	waited := runQueueWaitMs() - waitAtStart
	result := consumeResult{measured: m, SetupSeconds: setup}
	if tracer != nil {
		tracer.mu.Lock()
		result.FetchTrace = &fetchTrace{WindowStartMs: sinceOrigin(windowStart), WindowEndMs: sinceOrigin(windowStart) + m.Seconds*1000, Requests: tracer.requests, RunQueueWaitMs: waited}
		tracer.mu.Unlock()
	}
	printJSON(result)
}

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: perfbench produce|consume ..."))
	}
	switch os.Args[1] {
	case "produce":
		if len(os.Args) != 8 {
			fail(fmt.Errorf("usage: perfbench produce <bootstrap> <topic> <keysFile> <valuesFile> <records> <warmupRecords>"))
		}
		produce(os.Args[2], os.Args[3], lines(os.Args[4]), lines(os.Args[5]), atoi(os.Args[6]), atoi(os.Args[7]))
	case "consume":
		if len(os.Args) != 5 {
			fail(fmt.Errorf("usage: perfbench consume <bootstrap> <topic> <records>"))
		}
		consume(os.Args[2], os.Args[3], atoi(os.Args[4]))
	default:
		fail(fmt.Errorf("unknown mode %q", os.Args[1]))
	}
}
