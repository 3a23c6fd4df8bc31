// Command informer-bench is the Go side of kubekit's informer benchmark (bench/informer). One
// binary, four modes:
//
//	informer-bench seed     creates N ConfigMaps of ~1 KiB in a namespace, many at once
//	informer-bench write    merge-patches them (a run id and the writer's wall-clock time in
//	                        data), as fast as possible or at a fixed rate, for a count or a duration
//	informer-bench informer client-go's shared informer (k8s.io/client-go v0.37.1, the release
//	                        tools/kube-local pins) driven by main.ts over stdin/stdout
//	informer-bench list     the floor: client-go's bare LIST (resourceVersion 0, as an informer asks) of the same collection (no
//	                        informer, no store), driven like the informer mode's sync
//
// Output lines that main.ts reads start with "BENCH " followed by one JSON object.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

var stdoutMu sync.Mutex

func emit(v map[string]any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	stdoutMu.Lock()
	defer stdoutMu.Unlock()
	fmt.Fprintf(os.Stdout, "BENCH %s\n", b)
}

func die(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "informer-bench: "+format+"\n", args...)
	os.Exit(1)
}

func clientset(kubeconfig string, parallel int) *kubernetes.Clientset {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		die("kubeconfig: %v", err)
	}
	cfg.QPS = -1 // no client-side rate limit
	cfg.Burst = parallel
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		die("clientset: %v", err)
	}
	return cs
}

func objectName(i int) string { return fmt.Sprintf("cm-%05d", i) }

// configMapData is ~1 KiB once the server has added uid, timestamps and managedFields: six
// 80-character values plus the fields the writer changes (run, seq, ts).
func configMapData(i int) map[string]string {
	data := map[string]string{"run": "seed", "seq": "0", "ts": "0"}
	x := uint32((i+1)*2654435761 + 7)
	for k := 0; k < 6; k++ {
		var sb strings.Builder
		for sb.Len() < 80 {
			x = x*1103515245 + 12345
			sb.WriteString(strconv.FormatUint(uint64(x), 36))
		}
		data["key-"+strconv.Itoa(k)] = sb.String()[:80]
	}
	return data
}

// parallelDo runs task(i) for i in [0, n) with `parallel` goroutines.
func parallelDo(n, parallel int, task func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				task(i)
			}
		}()
	}
	wg.Wait()
}

func seed(args []string) {
	fs := flag.NewFlagSet("seed", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig path")
	ns := fs.String("namespace", "", "namespace")
	n := fs.Int("objects", 50000, "ConfigMaps to create")
	parallel := fs.Int("parallel", 64, "requests in flight")
	_ = fs.Parse(args)
	cs := clientset(*kubeconfig, *parallel)
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: *ns}}, metav1.CreateOptions{}); err != nil {
		die("create namespace: %v", err)
	}
	start := time.Now()
	var failed atomic.Int64
	parallelDo(*n, *parallel, func(i int) {
		cm := &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{
				Name:   objectName(i),
				Labels: map[string]string{"app": "bench-informer", "shard": strconv.Itoa(i % 16)},
			},
			Data: configMapData(i),
		}
		for attempt := 0; ; attempt++ {
			_, err := cs.CoreV1().ConfigMaps(*ns).Create(ctx, cm, metav1.CreateOptions{})
			if err == nil {
				return
			}
			if attempt == 5 {
				failed.Add(1)
				fmt.Fprintf(os.Stderr, "informer-bench seed: %s: %v\n", cm.Name, err)
				return
			}
			time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
		}
	})
	emit(map[string]any{"type": "seeded", "objects": *n, "failed": failed.Load(), "ms": time.Since(start).Milliseconds()})
	if failed.Load() > 0 {
		os.Exit(1)
	}
}

func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	lo, hi := int(math.Floor(pos)), int(math.Ceil(pos))
	return sorted[lo] + (sorted[hi]-sorted[lo])*(pos-float64(lo))
}

// write merge-patches cm-(seq mod objects) for seq in [0, count) — or, with -duration, for that
// long — each patch carrying the run id, its sequence number and the writer's wall-clock time in
// milliseconds taken just before the request is sent. With -rate > 0 requests are paced to that
// many per second. Optional churn creates and deletes extra ConfigMaps at -churn-rate per second.
func write(args []string) {
	fs := flag.NewFlagSet("write", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig path")
	ns := fs.String("namespace", "", "namespace")
	objects := fs.Int("objects", 50000, "ConfigMaps that exist (cm-00000 …)")
	count := fs.Int("count", 100000, "patches to send (ignored with -duration)")
	duration := fs.Duration("duration", 0, "send for this long instead of -count")
	parallel := fs.Int("parallel", 128, "requests in flight")
	rate := fs.Float64("rate", 0, "patches per second (0 = as fast as possible)")
	churnRate := fs.Float64("churn-rate", 0, "extra ConfigMaps created and deleted per second (with -duration)")
	run := fs.String("run", "run", "run id written into every patch")
	_ = fs.Parse(args)
	cs := clientset(*kubeconfig, *parallel)
	cms := cs.CoreV1().ConfigMaps(*ns)
	ctx := context.Background()

	total := *count
	if *duration > 0 {
		total = math.MaxInt32
	}
	var deadline time.Time
	start := time.Now()
	if *duration > 0 {
		deadline = start.Add(*duration)
	}
	var interval time.Duration
	if *rate > 0 {
		interval = time.Duration(float64(time.Second) / *rate)
	}
	var next atomic.Int64
	var okCount, failed atomic.Int64
	latencies := make([][]float64, *parallel)
	var wg sync.WaitGroup
	for w := 0; w < *parallel; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				seq := int(next.Add(1) - 1)
				if seq >= total {
					return
				}
				if interval > 0 {
					due := start.Add(time.Duration(seq) * interval)
					if d := time.Until(due); d > 0 {
						time.Sleep(d)
					}
				}
				if !deadline.IsZero() && time.Now().After(deadline) {
					return
				}
				sent := time.Now()
				patch := fmt.Sprintf(`{"data":{"run":%q,"seq":"%d","ts":"%d"}}`, *run, seq, sent.UnixMilli())
				_, err := cms.Patch(ctx, objectName(seq%*objects), types.MergePatchType, []byte(patch), metav1.PatchOptions{})
				if err != nil {
					failed.Add(1)
					if failed.Load() <= 5 {
						fmt.Fprintf(os.Stderr, "informer-bench write: %v\n", err)
					}
					continue
				}
				okCount.Add(1)
				latencies[w] = append(latencies[w], float64(time.Since(sent).Microseconds())/1000)
			}
		}(w)
	}
	var churned atomic.Int64
	churnDone := make(chan struct{})
	if *churnRate > 0 && *duration > 0 {
		go func() {
			defer close(churnDone)
			tick := time.NewTicker(time.Duration(float64(time.Second) / *churnRate))
			defer tick.Stop()
			for i := 0; time.Now().Before(deadline); i++ {
				<-tick.C
				name := fmt.Sprintf("churn-%s-%d", *run, i)
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: configMapData(*objects + i)}
				if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
					fmt.Fprintf(os.Stderr, "informer-bench churn create: %v\n", err)
					continue
				}
				// Each churn object lives about one second.
				go func() {
					time.Sleep(time.Second)
					if err := cms.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
						fmt.Fprintf(os.Stderr, "informer-bench churn delete: %v\n", err)
						return
					}
					churned.Add(1)
				}()
			}
			time.Sleep(2 * time.Second)
		}()
	} else {
		close(churnDone)
	}
	wg.Wait()
	<-churnDone
	end := time.Now()
	var all []float64
	for _, l := range latencies {
		all = append(all, l...)
	}
	sort.Float64s(all)
	emit(map[string]any{
		"type": "written", "run": *run, "ok": okCount.Load(), "failed": failed.Load(), "churned": churned.Load(),
		"startMs": start.UnixMilli(), "endMs": end.UnixMilli(),
		"perSecond":    float64(okCount.Load()) / end.Sub(start).Seconds(),
		"latencyMsP50": percentile(all, 0.5), "latencyMsP99": percentile(all, 0.99),
	})
}

func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return -1
}

func memory() map[string]any {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return map[string]any{
		"rss": rssBytes(), "heapUsed": m.HeapAlloc, "heapInuse": m.HeapInuse, "heapSys": m.HeapSys,
		"sys": m.Sys, "numGC": m.NumGC,
	}
}

// memoryAfterGC collects (twice, so finalizers' garbage goes too) and returns memory to the OS,
// the closest Go has to Node's gc(): RSS then reflects what the process still holds.
func memoryAfterGC() map[string]any {
	runtime.GC()
	debug.FreeOSMemory()
	return memory()
}

func cpuMs() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

func nowMs() float64 { return float64(time.Now().UnixMicro()) / 1000 }

// updatePhase collects what the handler sees of one writer run.
type updatePhase struct {
	mu        sync.Mutex
	run       string
	expect    int
	lags      []float64
	first     float64
	last      float64
	armedAt   float64
	armedCPU  float64
	lastCPU   float64
	reported  bool
	otherRuns int
}

func (p *updatePhase) report(partial bool) {
	p.mu.Lock()
	if p.reported {
		p.mu.Unlock()
		return
	}
	p.reported = true
	lags := append([]float64(nil), p.lags...)
	first, last, armedAt, cpu0, cpu1, run := p.first, p.last, p.armedAt, p.armedCPU, p.lastCPU, p.run
	p.mu.Unlock()
	sort.Float64s(lags)
	sum := 0.0
	for _, l := range lags {
		sum += l
	}
	n := len(lags)
	emit(map[string]any{
		"type": "updates", "run": run, "received": n, "partial": partial,
		"firstMs": first, "lastMs": last, "armedMs": armedAt,
		"cpuMs":    cpu1 - cpu0,
		"lagMsP50": percentile(lags, 0.5), "lagMsP90": percentile(lags, 0.9), "lagMsP99": percentile(lags, 0.99),
		"lagMsMax": percentile(lags, 1), "lagMsMean": sum / math.Max(1, float64(n)),
		"memory": memory(),
	})
}

// commandReader returns a function that reads main.ts's next command from stdin (one a line,
// space-separated fields); the process dies when main.ts closes stdin.
func commandReader() func() []string {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<16), 1<<20)
	return func() []string {
		if !in.Scan() {
			die("stdin closed")
		}
		return strings.Fields(in.Text())
	}
}

func informerMode(args []string) {
	fs := flag.NewFlagSet("informer", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig path")
	ns := fs.String("namespace", "", "namespace")
	expect := fs.Int("expect", 50000, "objects the initial list holds")
	_ = fs.Parse(args)

	cs := clientset(*kubeconfig, 10)
	baseline := memoryAfterGC()
	emit(map[string]any{"type": "ready", "runtime": runtime.Version(), "clientGo": "v0.37.1",
		"watchListClient": os.Getenv("KUBE_FEATURE_WatchListClient"), "memory": baseline})

	readCommand := commandReader()
	if cmd := readCommand(); cmd[0] != "start" {
		die("expected start, got %q", cmd)
	}

	var adds, updates, deletes atomic.Int64
	phase := &updatePhase{}
	strip := func(obj any) (any, error) {
		if a, err := meta.Accessor(obj); err == nil {
			a.SetManagedFields(nil)
		}
		return obj, nil
	}
	stop := make(chan struct{})
	cpu0 := cpuMs()
	t0 := time.Now()
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(*ns), informers.WithTransform(strip))
	informer := factory.Core().V1().ConfigMaps().Informer()
	reg, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { adds.Add(1) },
		UpdateFunc: func(oldObj, newObj any) {
			updates.Add(1)
			cm, ok := newObj.(*corev1.ConfigMap)
			if !ok {
				return
			}
			received := nowMs()
			p := phase
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.run == "" || cm.Data["run"] != p.run || p.reported {
				p.otherRuns++
				return
			}
			ts, err := strconv.ParseFloat(cm.Data["ts"], 64)
			if err != nil {
				return
			}
			if len(p.lags) == 0 {
				p.first = received
			}
			p.last = received
			p.lags = append(p.lags, received-ts)
			if len(p.lags) == p.expect {
				p.lastCPU = cpuMs()
				go p.report(false)
			}
		},
		DeleteFunc: func(obj any) { deletes.Add(1) },
	})
	if err != nil {
		die("add handler: %v", err)
	}
	factory.Start(stop)
	// client-go's WaitForCacheSync polls every 100 ms; poll every 5 ms here so all peers are
	// timed alike.
	for !(reg.HasSynced() && adds.Load() >= int64(*expect)) {
		time.Sleep(5 * time.Millisecond)
	}
	syncMs := float64(time.Since(t0).Microseconds()) / 1000
	syncCPU := cpuMs() - cpu0
	afterSync := memory()
	afterGC := memoryAfterGC()
	emit(map[string]any{"type": "synced", "syncMs": syncMs, "syncCpuMs": syncCPU, "adds": adds.Load(),
		"cacheSize": len(informer.GetStore().ListKeys()), "memory": afterSync, "memoryAfterGC": afterGC})

	for {
		cmd := readCommand()
		switch cmd[0] {
		case "updates":
			n, _ := strconv.Atoi(cmd[2])
			p := &updatePhase{run: cmd[1], expect: n, lags: make([]float64, 0, n), armedAt: nowMs(), armedCPU: cpuMs()}
			phase = p
			emit(map[string]any{"type": "armed", "run": cmd[1]})
		case "report":
			p := phase
			p.mu.Lock()
			p.lastCPU = cpuMs()
			p.mu.Unlock()
			p.report(true)
		case "soak":
			intervalMs, _ := strconv.Atoi(cmd[1])
			durationMs, _ := strconv.Atoi(cmd[2])
			start := time.Now()
			emit(map[string]any{"type": "sample", "t": 0.0, "gc": true, "memory": memoryAfterGC(),
				"adds": adds.Load(), "updates": updates.Load(), "deletes": deletes.Load()})
			for i := 1; ; i++ {
				due := start.Add(time.Duration(i*intervalMs) * time.Millisecond)
				if due.Sub(start) > time.Duration(durationMs)*time.Millisecond {
					break
				}
				time.Sleep(time.Until(due))
				emit(map[string]any{"type": "sample", "t": time.Since(start).Seconds(), "memory": memory(),
					"adds": adds.Load(), "updates": updates.Load(), "deletes": deletes.Load()})
			}
			emit(map[string]any{"type": "sample", "t": time.Since(start).Seconds(), "gc": true, "memory": memoryAfterGC(),
				"adds": adds.Load(), "updates": updates.Load(), "deletes": deletes.Load()})
			emit(map[string]any{"type": "soak-done", "cacheSize": len(informer.GetStore().ListKeys())})
		case "size":
			emit(map[string]any{"type": "size", "cacheSize": len(informer.GetStore().ListKeys())})
		case "exit":
			close(stop)
			factory.Shutdown()
			emit(map[string]any{"type": "bye"})
			return
		default:
			die("unknown command %q", cmd)
		}
	}
}

// listMode is the floor every sync time is read against: the time client-go takes to fetch and
// decode the collection and nothing else, asked as an informer's first list asks
// (resourceVersion "0": the watch cache answers in one response, ignoring limit). It decodes
// into a *corev1.ConfigMapList with the typed clientset, follows continue tokens if any, and
// drops what it counted: no informer, no store, no handler, no transform. It speaks the
// informer mode's sync protocol (ready, start, synced, exit) and reports with the same helpers,
// so main.ts measures it in the same sync-only rounds as the informers; "synced" is the moment
// the last page is decoded. -rv "" measures the paged consistent read instead (100 round trips
// for 50,000 objects, slower than every informer here).
func listMode(args []string) {
	fs := flag.NewFlagSet("list", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig path")
	ns := fs.String("namespace", "", "namespace")
	expect := fs.Int("expect", 50000, "objects the list must hold, exactly")
	limit := fs.Int64("limit", 500, "objects per page")
	// "0", as an informer's first list asks: the watch cache answers at once, in one response
	// (it ignores limit then). "" reads through to the consistent view page by page: 100 round
	// trips for 50,000 objects, slower than any informer here, so no floor for them.
	rv := fs.String("rv", "0", "resourceVersion of the LIST")
	_ = fs.Parse(args)

	// The informer mode's client settings, from the same helper (no client-side rate limit,
	// burst 10) and the same typed client, so the same defaults: Accept protobuf then JSON,
	// gzip accepted. Only the informer's own work separates the two.
	cs := clientset(*kubeconfig, 10)
	cms := cs.CoreV1().ConfigMaps(*ns)
	baseline := memoryAfterGC()
	emit(map[string]any{"type": "ready", "runtime": runtime.Version(), "clientGo": "v0.37.1", "mode": "list",
		"limit": *limit, "memory": baseline})

	readCommand := commandReader()
	if cmd := readCommand(); cmd[0] != "start" {
		die("expected start, got %q", cmd)
	}

	ctx := context.Background()
	listed, pages := 0, 0
	opts := metav1.ListOptions{Limit: *limit, ResourceVersion: *rv}
	cpu0 := cpuMs()
	t0 := time.Now()
	for {
		page, err := cms.List(ctx, opts)
		if err != nil {
			// Retrying (an expired continue token, say) would time two lists as one: fail the
			// sample instead.
			die("list: page %d (after %d objects): %v", pages+1, listed, err)
		}
		pages++
		listed += len(page.Items)
		if page.Continue == "" {
			break
		}
		opts.Continue = page.Continue
		opts.ResourceVersion = "" // a continue token carries its own
	}
	syncMs := float64(time.Since(t0).Microseconds()) / 1000
	syncCPU := cpuMs() - cpu0
	// Strict, unlike the informer's ">= expect": a floor taken over a different collection than
	// the informers synced is no floor.
	if listed != *expect {
		die("list: %d ConfigMaps in %d pages of %d in namespace %q, expected exactly %d", listed, pages, *limit, *ns, *expect)
	}
	afterSync := memory()
	afterGC := memoryAfterGC()
	// cacheSize 0: nothing is kept; listed and pages say what was fetched.
	emit(map[string]any{"type": "synced", "syncMs": syncMs, "syncCpuMs": syncCPU, "listed": listed, "pages": pages,
		"cacheSize": 0, "memory": afterSync, "memoryAfterGC": afterGC})

	for {
		cmd := readCommand()
		switch cmd[0] {
		case "exit":
			emit(map[string]any{"type": "bye"})
			return
		default:
			die("list mode: unknown command %q", cmd)
		}
	}
}

func main() {
	if len(os.Args) < 2 {
		die("usage: informer-bench seed|write|informer|list [flags]")
	}
	switch os.Args[1] {
	case "seed":
		seed(os.Args[2:])
	case "write":
		write(os.Args[2:])
	case "informer":
		informerMode(os.Args[2:])
	case "list":
		listMode(os.Args[2:])
	default:
		die("unknown mode %q", os.Args[1])
	}
}
