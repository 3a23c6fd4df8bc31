// Command kube-local-helper does the two jobs of the kubekit launcher that Node cannot do well:
//
//	pki --dir DIR [--client NAME:CN[:ORG,ORG...]]...
//	    writes a throwaway CA, an apiserver serving certificate for loopback, service-account
//	    signing keys, and one client certificate per --client, all as PEM files in DIR.
//	supervise [--remove-after-exit DIR] -- COMMAND [ARGS...]
//	    runs COMMAND and guarantees it does not outlive the launcher: when this helper's stdin
//	    reaches EOF (the launcher exited, even by SIGKILL) or it gets SIGTERM/SIGINT, the
//	    command's process group gets SIGTERM, then SIGKILL after a grace period. DIR, if
//	    given, is removed once the command has exited.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "pki":
		err = runPKI(os.Args[2:])
	case "supervise":
		err = runSupervise(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "kube-local-helper %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: kube-local-helper pki --dir DIR [--client NAME:CN[:ORG,...]]... | supervise [--remove-after-exit DIR] -- COMMAND [ARGS...]")
	os.Exit(2)
}
