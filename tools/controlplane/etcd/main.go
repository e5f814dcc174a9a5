// Command etcd is the unmodified etcd server (etcdmain), built from the Go
// module so tests need no downloaded binary.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
