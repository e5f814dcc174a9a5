package webhook

import (
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"hash"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// mac returns the hex HMAC of body under key.
func mac(h func() hash.Hash, key, body string) string {
	m := hmac.New(h, []byte(key))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

// webhookRequest is a POST of body to /api/webhook with headers, given as
// name, value pairs.
func webhookRequest(body string, headers ...string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/api/webhook", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

// parseCase is one row of the providers' Parse tables.
type parseCase struct {
	name    string
	secrets Secrets
	req     *http.Request
	want    Push
	wantErr error // nil, ErrUnauthorized, ErrIgnored, ErrMalformed...
}

func runParseCases(t *testing.T, cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.req, tc.secrets)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Parse() error = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse() =\n%#v\nwant\n%#v", got, tc.want)
			}
		})
	}
}
