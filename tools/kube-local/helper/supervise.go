package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

// How long the supervised command gets between SIGTERM and SIGKILL.
const gracePeriod = 10 * time.Second

func runSupervise(args []string) error {
	removeAfterExit := ""
	if len(args) > 1 && args[0] == "--remove-after-exit" {
		removeAfterExit, args = args[1], args[2:]
	}
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return errors.New("supervise needs a command after --")
	}
	// Pdeathsig is delivered when the thread that forked the child dies, so pin this goroutine
	// to its thread: if this helper itself is SIGKILLed the command still dies with it.
	runtime.LockOSThread()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	stop := make(chan struct{}, 1)
	go func() {
		// The launcher never writes; EOF means it is gone (or closed the pipe on purpose).
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop <- struct{}{}
	}()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)

	var err error
	select {
	case err = <-exited:
	case <-stop:
		err = terminate(cmd, exited)
	case <-signals:
		err = terminate(cmd, exited)
	}
	if removeAfterExit != "" {
		_ = os.RemoveAll(removeAfterExit)
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() {
			os.Exit(128 + int(status.Signal()))
		}
		os.Exit(exitErr.ExitCode())
	}
	return err
}

func terminate(cmd *exec.Cmd, exited <-chan error) error {
	pgid := -cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case err := <-exited:
		return err
	case <-time.After(gracePeriod):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		return <-exited
	}
}
