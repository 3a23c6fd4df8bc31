// Command etcd is etcd's own server entry point, built at the version the pinned Kubernetes
// release requires, so kube-local needs nothing but the Go module proxy.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
