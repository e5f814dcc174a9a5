// Command gen-install writes config/install.yaml, the install manifests
// generated from the code (package install):
//
//	go run ./hack/gen-install > config/install.yaml
//
// and, with flags, the manifests of another install, such as a namespaced
// one (the same objects flotilla bootstrap --namespaced applies):
//
//	go run ./hack/gen-install -namespace gitops -namespaced team-a,team-b > install.yaml
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"flotilla.dev/flotilla/internal/install"
)

func main() {
	var opts install.Options
	var namespaced string
	flag.StringVar(&opts.Namespace, "namespace", "", "the controller's namespace (default argocd)")
	flag.StringVar(&opts.Image, "image", "", "the controller image")
	flag.StringVar(&namespaced, "namespaced", "", "comma-separated namespaces of a namespaced install")
	flag.Parse()
	if namespaced != "" {
		opts.Namespaced = strings.Split(namespaced, ",")
	}
	out, err := install.YAML(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-install:", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}
