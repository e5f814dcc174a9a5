package scm

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// GitHubApp is a GitHub App's credentials, as Argo CD keeps them in the
// repo-creds Secret a generator's appSecretName names.
type GitHubApp struct {
	// AppID is the App's id, the issuer of its JWTs.
	AppID int64
	// InstallationID is the App's installation on the owner; 0 finds it
	// among the App's installations by the owner's login, as Argo CD does.
	InstallationID int64
	// PrivateKey is the App's private key, PEM.
	PrivateKey []byte
	// EnterpriseBaseURL is the GitHub Enterprise API the App lives on,
	// used when the generator gives no api.
	EnterpriseBaseURL string
}

// GitHubAppFromSecret reads a GitHub App from an Argo CD repo-creds
// Secret's data: githubAppID, githubAppInstallationID,
// githubAppPrivateKey and githubAppEnterpriseBaseUrl. As Argo CD reads
// it, a missing id is 0 and a Secret without a private key holds no App.
func GitHubAppFromSecret(data map[string][]byte) (*GitHubApp, error) {
	app := &GitHubApp{PrivateKey: data["githubAppPrivateKey"], EnterpriseBaseURL: string(data["githubAppEnterpriseBaseUrl"])}
	if len(app.PrivateKey) == 0 {
		return nil, errors.New("no github app: the secret has no githubAppPrivateKey")
	}
	var err error
	if app.AppID, err = secretInt(data, "githubAppID"); err != nil {
		return nil, err
	}
	if app.InstallationID, err = secretInt(data, "githubAppInstallationID"); err != nil {
		return nil, err
	}
	return app, nil
}

// secretInt reads data[key] as an integer, 0 when it is missing.
func secretInt(data map[string][]byte, key string) (int64, error) {
	v, ok := data[key]
	if !ok {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("github app secret: %s: %w", key, err)
	}
	return n, nil
}

// githubAppTokens mints and caches a GitHub App installation's access
// tokens, refreshed a minute before they expire.
type githubAppTokens struct {
	app GitHubApp
	key *rsa.PrivateKey
	// owner is the user or organisation whose installation is looked
	// up when the App names none.
	owner string
	// api is the provider's client: its base URL and transport.
	api *Client
	now func() time.Time

	mu           sync.Mutex
	installation int64
	tok          string
	refreshAt    time.Time
}

// newGitHubAppTokens checks app and parses its key.
func newGitHubAppTokens(app GitHubApp, owner string, api *Client) (*githubAppTokens, error) {
	if app.InstallationID < 0 {
		return nil, fmt.Errorf("app installation id %d is negative", app.InstallationID)
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(app.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("app private key: %w", err)
	}
	return &githubAppTokens{app: app, key: key, owner: owner, api: api, now: time.Now, installation: app.InstallationID}, nil
}

// current is the cached token, "" before the first.
func (a *githubAppTokens) current() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tok
}

// token returns the installation's token, minting one when there is
// none or it expires within a minute
// (POST /app/installations/{id}/access_tokens).
func (a *githubAppTokens) token(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok != "" && a.now().Before(a.refreshAt) {
		return a.tok, nil
	}
	c, err := a.appClient()
	if err != nil {
		return "", err
	}
	if a.installation == 0 {
		if a.installation, err = a.findInstallation(ctx, c); err != nil {
			return "", err
		}
	}
	var answer struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	path := "app/installations/" + itoa(a.installation) + "/access_tokens"
	if _, err := c.Do(ctx, Request{Method: http.MethodPost, Path: path}, &answer); err != nil {
		return "", fmt.Errorf("access token of installation %d: %w", a.installation, err)
	}
	if answer.Token == "" {
		return "", fmt.Errorf("access token of installation %d: empty answer", a.installation)
	}
	a.tok, a.refreshAt = answer.Token, answer.ExpiresAt.Add(-time.Minute)
	return a.tok, nil
}

type githubInstallation struct {
	ID      int64 `json:"id"`
	Account struct {
		Login string `json:"login"`
	} `json:"account"`
}

// findInstallation finds the App's installation on the owner among all
// its installations (GET /app/installations), logins compared without case.
func (a *githubAppTokens) findInstallation(ctx context.Context, c *Client) (int64, error) {
	if a.owner == "" {
		return 0, errors.New("app installation id is required without an owner")
	}
	all, err := GetAll[githubInstallation](ctx, c, "app/installations", url.Values{"per_page": {"100"}})
	if err != nil {
		return 0, fmt.Errorf("list app installations: %w", err)
	}
	for _, in := range all {
		if strings.EqualFold(in.Account.Login, a.owner) {
			return in.ID, nil
		}
	}
	return 0, fmt.Errorf("app %d has no installation for %s", a.app.AppID, a.owner)
}

// appClient is the provider's client authenticating as the App itself,
// with a JWT.
func (a *githubAppTokens) appClient() (*Client, error) {
	signed, err := a.jwt()
	if err != nil {
		return nil, err
	}
	c := *a.api
	c.auth = func(r *http.Request) {
		githubHeaders(r)
		Bearer(signed)(r)
	}
	return &c, nil
}

// jwt is the App's JWT: RS256, issued by the App's id a minute ago
// (GitHub's clock may lag) and expiring in nine minutes (GitHub takes
// at most ten).
func (a *githubAppTokens) jwt() (string, error) {
	now := a.now().Truncate(time.Second)
	claims := jwt.RegisteredClaims{
		Issuer:    strconv.FormatInt(a.app.AppID, 10),
		IssuedAt:  jwt.NewNumericDate(now.Add(-time.Minute)),
		ExpiresAt: jwt.NewNumericDate(now.Add(9 * time.Minute)),
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(a.key)
	if err != nil {
		return "", fmt.Errorf("sign app jwt: %w", err)
	}
	return signed, nil
}
