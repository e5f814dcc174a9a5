package cluster

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// execPluginEnv makes the test binary act as a client-go credential plugin:
// exec provider tests name the test binary as their command.
const execPluginEnv = "FLOTILLA_CLUSTER_TEST_EXEC_PLUGIN"

func TestMain(m *testing.M) {
	if os.Getenv(execPluginEnv) == "1" {
		os.Exit(execPlugin())
	}
	os.Exit(m.Run())
}

// execPlugin answers client-go's ExecCredential request with the token in
// $EXEC_TOKEN, in the apiVersion client-go asked for.
func execPlugin() int {
	var info struct {
		APIVersion string `json:"apiVersion"`
	}
	if err := json.Unmarshal([]byte(os.Getenv("KUBERNETES_EXEC_INFO")), &info); err != nil {
		fmt.Fprintln(os.Stderr, "KUBERNETES_EXEC_INFO:", err)
		return 1
	}
	out := map[string]any{
		"apiVersion": info.APIVersion,
		"kind":       "ExecCredential",
		"status":     map[string]any{"token": os.Getenv("EXEC_TOKEN")},
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		return 1
	}
	return 0
}
