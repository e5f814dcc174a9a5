package scm

import "testing"

// TestErrorMessage finds the message in each provider's error body.
func TestErrorMessage(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`, "Bad credentials"},
		{`{"message":"404 Project Not Found"}`, "404 Project Not Found"},
		{`{"error":"invalid_token","error_description":"Token expired"}`, "invalid_token"},
		{`{"type":"error","error":{"message":"Repository not found"}}`, "Repository not found"},
		{`{"errors":[{"context":null,"message":"Authentication failed.","exceptionName":"x"}]}`, "Authentication failed."},
		{`{"$id":"1","message":"TF401019: The Git repository does not exist.","typeKey":"GitRepositoryNotFoundException"}`, "TF401019: The Git repository does not exist."},
		{`{"message":"bad","errors":["a string, not an object"]}`, "bad"},
		{`{"errors":["only strings"]}`, `{"errors":["only strings"]}`},
		{"<html>\n<body>Bad gateway</body>", "<html>"},
	} {
		if got := errorMessage([]byte(tc.body)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.body, got, tc.want)
		}
	}
}
