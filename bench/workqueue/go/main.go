// Command workqueue-bench measures k8s.io/client-go/util/workqueue for kubekit's comparison
// benchmark (bench/workqueue/compare.ts). It runs one scenario per invocation and prints one JSON
// object, so the driver can interleave Go and kubekit runs on a noisy machine.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/client-go/util/workqueue"
)

// keys returns the shared key sequence: every tenth add repeats the key added five adds earlier
// (10% duplicates, usually still queued); the rest are distinct.
func keys(n int) []string {
	out := make([]string, n)
	unique := 0
	for i := 0; i < n; i++ {
		if i%10 == 9 {
			out[i] = out[i-5]
			continue
		}
		out[i] = "namespace-" + strconv.Itoa(unique%100) + "/object-" + strconv.Itoa(unique)
		unique++
	}
	return out
}

type result map[string]any

// cpuTime is the CPU time (user + system, all threads) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// throughput adds every key while `workers` goroutines Get and Done, then shuts the queue down
// and waits for the workers to drain it: adds per second over the whole run.
func throughput(ks []string, workers int) result {
	n := len(ks)
	q := workqueue.NewTyped[string]()
	var processed int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	// No forced GC before the run, as on the kubekit side (where it would distort the result).
	cpu0 := cpuTime()
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine int64
			for {
				item, shutdown := q.Get()
				if shutdown {
					break
				}
				q.Done(item)
				mine++
			}
			mu.Lock()
			processed += mine
			mu.Unlock()
		}()
	}
	for _, k := range ks {
		q.Add(k)
	}
	// ShutDown lets the workers drain what is queued before Get reports shutdown.
	q.ShutDown()
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	return result{
		"cpuNsPerOp": float64(cpu.Nanoseconds()) / float64(n),
		"elapsedMs":  float64(elapsed.Nanoseconds()) / 1e6,
		"opsPerSec":  float64(n) / elapsed.Seconds(),
		"processed":  float64(processed),
	}
}

func heapBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func peakRSSKiB() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			v, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return v
		}
	}
	return -1
}

// delayedKeys returns n distinct keys (memory per pending item should not be flattered by
// deduplication) and their random delays in [1, maxDelayMs] ms.
func delayedKeys(n, maxDelayMs int, seed uint64) ([]string, []time.Duration) {
	ks := make([]string, n)
	for i := range ks {
		ks[i] = "namespace-" + strconv.Itoa(i%100) + "/object-" + strconv.Itoa(i)
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	delays := make([]time.Duration, n)
	for i := range delays {
		delays[i] = time.Duration(1+rng.IntN(maxDelayMs)) * time.Millisecond
	}
	return ks, delays
}

// pendingBytesPerItem is the heap held per item waiting in a delaying queue (delays an hour
// out, so nothing fires while measuring).
func pendingBytesPerItem(ks []string, delays []time.Duration) float64 {
	before := heapBytes()
	q := workqueue.NewTypedDelayingQueue[string]()
	for i, k := range ks {
		q.AddAfter(k, time.Hour+delays[i])
	}
	// AddAfter hands entries to a goroutine through a channel; let it file them all.
	time.Sleep(300 * time.Millisecond)
	after := heapBytes()
	q.ShutDown()
	runtime.KeepAlive(ks)
	return float64(int64(after)-int64(before)) / float64(len(ks))
}

// delivery times addAfter for every key, and the wait until one worker has processed them all.
func delivery(ks []string, delays []time.Duration, maxDelayMs int) result {
	n := len(ks)
	q := workqueue.NewTypedDelayingQueue[string]()
	var wg sync.WaitGroup
	var lastDelivery time.Time
	wg.Add(1)
	go func() {
		defer wg.Done()
		for processed := 0; processed < n; processed++ {
			item, shutdown := q.Get()
			if shutdown {
				return
			}
			q.Done(item)
		}
		lastDelivery = time.Now()
	}()
	cpu0 := cpuTime()
	start := time.Now()
	for i, k := range ks {
		q.AddAfter(k, delays[i])
	}
	addElapsed := time.Since(start)
	wg.Wait()
	cpu := cpuTime() - cpu0
	q.ShutDown()
	total := lastDelivery.Sub(start)
	return result{
		"cpuNsPerOp": float64(cpu.Nanoseconds()) / float64(n),
		"opsPerSec":  float64(n) / addElapsed.Seconds(),
		"lateMs":     float64(total.Nanoseconds())/1e6 - float64(maxDelayMs),
	}
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// repeat runs fn warmup+reps times and reports the median and samples of each numeric field of
// the measured runs, plus the first (cold) run's opsPerSec.
func repeat(warmup, reps int, fn func() result) result {
	var cold result
	for i := 0; i < warmup; i++ {
		r := fn()
		if i == 0 {
			cold = r
		}
	}
	samples := map[string][]float64{}
	for i := 0; i < reps; i++ {
		for k, v := range fn() {
			if f, ok := v.(float64); ok {
				samples[k] = append(samples[k], f)
			}
		}
	}
	out := result{}
	for k, xs := range samples {
		out[k] = median(xs)
		out[k+"Samples"] = xs
	}
	if cold != nil {
		out["coldOpsPerSec"] = cold["opsPerSec"]
	}
	return out
}

func main() {
	scenario := flag.String("scenario", "throughput", "throughput | addafter")
	n := flag.Int("n", 1_000_000, "items")
	workers := flag.Int("workers", 1, "concurrent workers (throughput)")
	maxDelay := flag.Int("max-delay-ms", 1000, "largest random delay (addafter)")
	seed := flag.Uint64("seed", 1, "delay seed (addafter)")
	warmup := flag.Int("warmup", 1, "unmeasured runs first")
	reps := flag.Int("reps", 5, "measured runs (the median is reported)")
	flag.Parse()

	var r result
	switch *scenario {
	case "throughput":
		ks := keys(*n)
		r = repeat(*warmup, *reps, func() result { return throughput(ks, *workers) })
	case "addafter":
		ks, delays := delayedKeys(*n, *maxDelay, *seed)
		bytes := pendingBytesPerItem(ks, delays)
		r = repeat(*warmup, *reps, func() result { return delivery(ks, delays, *maxDelay) })
		r["bytesPerItem"] = bytes
	default:
		fmt.Fprintf(os.Stderr, "unknown scenario %q\n", *scenario)
		os.Exit(2)
	}
	r["peakRssKiB"] = peakRSSKiB()
	r["impl"] = "client-go"
	r["version"] = "v0.37.1"
	r["runtime"] = runtime.Version()
	r["gomaxprocs"] = runtime.GOMAXPROCS(0)
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		os.Exit(1)
	}
}
