// Command candidate is one client-go leader election candidate, for kubekit's interop test
// (test/integration/leaderelection/interop.test.ts) and leader election benchmark
// (bench/leaderelection). It stands for election on a coordination.k8s.io/v1 Lease with
// k8s.io/client-go/tools/leaderelection and resourcelock.LeaseLock, the way kube-scheduler and
// kube-controller-manager do, and prints one JSON line per event on stdout:
//
//	{"ev":"ready","t":…}                 client built, about to stand for election
//	{"ev":"started","t":…}               OnStartedLeading
//	{"ev":"lost","t":…}                  the leading context ended (or SIGTERM arrived while leading)
//	{"ev":"stopped","t":…}               OnStoppedLeading
//	{"ev":"new-leader","id":"…","t":…}   OnNewLeader (client-go also reports "" after a release)
//	{"ev":"exit","t":…,"code":0}         about to exit
//
// `t` is CLOCK_MONOTONIC in milliseconds: the clock Node's process.hrtime reads, shared by every
// process on this machine, so intervals of Go and Node candidates compare directly.
//
// Stands for election again after losing the lock. SIGTERM (or SIGINT) cancels the context:
// with --release-on-cancel (the default) client-go then writes an empty holder so a successor
// takes over at once, and the process exits 0.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

var out sync.Mutex

func monotonicMs() float64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic(err)
	}
	return float64(ts.Sec)*1e3 + float64(ts.Nsec)/1e6
}

// emit writes one event line; the time is read under the lock so lines are in time order.
func emit(ev string, fields map[string]any) {
	out.Lock()
	defer out.Unlock()
	line := map[string]any{"ev": ev, "t": monotonicMs()}
	for k, v := range fields {
		line[k] = v
	}
	b, err := json.Marshal(line)
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(append(b, '\n'))
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "path to the kubeconfig (required)")
	kubeContext := flag.String("context", "", "kubeconfig context (default: the current one)")
	namespace := flag.String("namespace", "", "namespace of the Lease (required)")
	name := flag.String("name", "", "name of the Lease (required)")
	identity := flag.String("identity", "", "holder identity of this candidate (required)")
	leaseDuration := flag.Duration("lease-duration", 15*time.Second, "LeaseDuration")
	renewDeadline := flag.Duration("renew-deadline", 10*time.Second, "RenewDeadline")
	retryPeriod := flag.Duration("retry-period", 2*time.Second, "RetryPeriod")
	releaseOnCancel := flag.Bool("release-on-cancel", true, "ReleaseOnCancel")
	klog.InitFlags(nil)
	flag.Parse()
	for flagName, v := range map[string]string{"kubeconfig": *kubeconfig, "namespace": *namespace, "name": *name, "identity": *identity} {
		if v == "" {
			fmt.Fprintf(os.Stderr, "--%s is required\n", flagName)
			os.Exit(2)
		}
	}

	config, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: *kubeconfig},
		&clientcmd.ConfigOverrides{CurrentContext: *kubeContext},
	).ClientConfig()
	if err != nil {
		fmt.Fprintf(os.Stderr, "loading %s: %v\n", *kubeconfig, err)
		os.Exit(2)
	}
	// As resourcelock.NewFromKubeconfig (what kube-scheduler and kube-controller-manager use):
	// a request timeout below the renew deadline, so one hung request cannot cost the lease.
	config.Timeout = max(time.Second, *renewDeadline/2)
	config.UserAgent = "kubekit-interop-candidate/client-go leader-election"
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		fmt.Fprintf(os.Stderr, "building the client: %v\n", err)
		os.Exit(2)
	}
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: *namespace, Name: *name},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: *identity},
	}

	ctx, cancel := context.WithCancel(context.Background())
	// leading and lostOnce belong to the current term; the SIGTERM handler reports "lost" itself,
	// before cancelling, so the line is written before client-go can release the lock.
	var mu sync.Mutex
	leading := false
	var lostOnce *sync.Once
	lost := func(once *sync.Once) {
		once.Do(func() { emit("lost", nil) })
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		mu.Lock()
		if leading {
			lost(lostOnce)
		}
		mu.Unlock()
		cancel()
	}()

	emit("ready", map[string]any{"identity": *identity})
	for ctx.Err() == nil {
		elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock:            lock,
			LeaseDuration:   *leaseDuration,
			RenewDeadline:   *renewDeadline,
			RetryPeriod:     *retryPeriod,
			ReleaseOnCancel: *releaseOnCancel,
			Name:            *name,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(leadCtx context.Context) {
					once := &sync.Once{}
					mu.Lock()
					leading = true
					lostOnce = once
					mu.Unlock()
					emit("started", nil)
					<-leadCtx.Done()
					mu.Lock()
					leading = false
					mu.Unlock()
					lost(once)
				},
				OnStoppedLeading: func() { emit("stopped", nil) },
				OnNewLeader:      func(id string) { emit("new-leader", map[string]any{"id": id}) },
			},
		})
		if err != nil {
			fmt.Fprintf(os.Stderr, "invalid leader election config: %v\n", err)
			emit("exit", map[string]any{"code": 2})
			os.Exit(2)
		}
		elector.Run(ctx)
	}
	emit("exit", map[string]any{"code": 0})
}
