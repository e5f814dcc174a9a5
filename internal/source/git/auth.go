package git

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"

	"flotilla.dev/flotilla/internal/source/cachefile"
)

// Auth holds the credentials for one repository. Its secrets never appear in
// errors; String hides them from fmt as well.
type Auth struct {
	// Username and Password are sent as HTTP basic auth (a token goes in
	// Password). Username also names the ssh user when the URL has none.
	Username, Password string
	// SSHPrivateKey is a PEM or OpenSSH private key for ssh URLs.
	SSHPrivateKey []byte
	// SSHKnownHosts holds known_hosts lines that ssh host keys are checked
	// against; when empty, the user's known_hosts files are used.
	SSHKnownHosts []byte
	// Insecure skips TLS certificate and ssh host key verification.
	Insecure bool
	// TLSClientCert and TLSClientKey are a PEM client certificate and key for
	// mutual TLS over https.
	TLSClientCert, TLSClientKey []byte
	// CABundle holds PEM certificates trusted in addition to the system pool.
	CABundle []byte
}

// String keeps secrets out of anything that formats an Auth.
func (a *Auth) String() string {
	if a == nil {
		return "git.Auth{}"
	}
	return fmt.Sprintf("git.Auth{Username:%q Password:%s SSHPrivateKey:%s Insecure:%t}",
		a.Username, mask(a.Password != ""), mask(len(a.SSHPrivateKey) > 0), a.Insecure)
}

// GoString is String for %#v.
func (a *Auth) GoString() string { return a.String() }

func mask(set bool) string {
	if set {
		return "***"
	}
	return `""`
}

// secrets lists what must never be printed.
func (a *Auth) secrets() []string {
	if a == nil {
		return nil
	}
	return []string{a.Password, string(a.SSHPrivateKey), string(a.TLSClientKey)}
}

// transportOptions is what go-git needs to reach one repository.
type transportOptions struct {
	auth                  transport.AuthMethod
	insecure              bool
	clientCert, clientKey []byte
	caBundle              []byte
}

// transportOptions turns a location and its credentials into go-git options.
// Credentials in the URL are used only when auth carries none.
func (f *Fetcher) transportOptions(loc location, a *Auth) (transportOptions, error) {
	var creds Auth
	if a != nil {
		creds = *a
	}
	if creds.Username == "" && creds.Password == "" && len(creds.SSHPrivateKey) == 0 {
		creds.Username, creds.Password = loc.user, loc.password
	}
	opts := transportOptions{
		insecure:   creds.Insecure,
		clientCert: creds.TLSClientCert,
		clientKey:  creds.TLSClientKey,
		caBundle:   creds.CABundle,
	}
	switch loc.scheme {
	case "http", "https":
		if creds.Username != "" || creds.Password != "" {
			opts.auth = &githttp.BasicAuth{Username: creds.Username, Password: creds.Password}
		}
	case "ssh":
		user := loc.user
		if user == "" {
			user = creds.Username
		}
		if user == "" {
			user = gitssh.DefaultUsername
		}
		var (
			method gitssh.AuthMethod
			helper *gitssh.HostKeyCallbackHelper
		)
		switch {
		case len(creds.SSHPrivateKey) > 0:
			keys, err := gitssh.NewPublicKeys(user, creds.SSHPrivateKey, "")
			if err != nil {
				// The parse error may quote key material: do not wrap it.
				return opts, fmt.Errorf("ssh private key for %s cannot be parsed", loc.display)
			}
			method, helper = keys, &keys.HostKeyCallbackHelper
		case creds.Password != "":
			pw := &gitssh.Password{User: user, Password: creds.Password}
			method, helper = pw, &pw.HostKeyCallbackHelper
		default:
			agent, err := gitssh.NewSSHAgentAuth(user)
			if err != nil {
				return opts, fmt.Errorf("no ssh private key given for %s and no ssh agent: %w", loc.display, err)
			}
			method, helper = agent, &agent.HostKeyCallbackHelper
		}
		switch {
		case creds.Insecure:
			helper.HostKeyCallback = ssh.InsecureIgnoreHostKey() //nolint:gosec // asked for by Auth.Insecure
		case len(creds.SSHKnownHosts) > 0:
			cb, err := f.knownHostsCallback(creds.SSHKnownHosts)
			if err != nil {
				return opts, err
			}
			helper.HostKeyCallback = cb
		}
		opts.auth = method
	}
	return opts, nil
}

// knownHostsCallback checks host keys against the given known_hosts lines,
// stored once in the cache so x/crypto's parser (which reads files) can use
// them.
func (f *Fetcher) knownHostsCallback(knownHosts []byte) (ssh.HostKeyCallback, error) {
	sum := sha256.Sum256(knownHosts)
	path := filepath.Join(f.cacheDir, "known_hosts", hex.EncodeToString(sum[:16]))
	if _, err := os.Stat(path); err != nil {
		if err := cachefile.WriteAtomic(path, knownHosts); err != nil {
			return nil, fmt.Errorf("store ssh known hosts: %w", err)
		}
	}
	cb, err := gitssh.NewKnownHostsCallback(path)
	if err != nil {
		return nil, fmt.Errorf("parse ssh known hosts: %w", err)
	}
	return cb, nil
}
