// Command gen-install writes config/install.yaml, the install manifests
// generated from the code (package install):
//
//	go run ./hack/gen-install > config/install.yaml
package main

import (
	"fmt"
	"os"

	"flotilla.dev/flotilla/internal/install"
)

func main() {
	out, err := install.YAML(install.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-install:", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}
