package gittest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshServer serves git over ssh to one authorised key, running the real
// `git upload-pack` and `git receive-pack` for each session.
type sshServer struct {
	root       string
	addr       string
	privateKey []byte // the client's key, OpenSSH PEM
	knownHosts []byte // a known_hosts line for the server's host key
}

// SSHURL is the ssh URL of the repository called name, such as
// ssh://git@127.0.0.1:PORT/name.git. The server must have been started
// WithSSH.
func (s *Server) SSHURL(name string) string {
	return "ssh://git@" + s.mustSSH().addr + "/" + name + ".git"
}

// SSHPrivateKey is the private key (OpenSSH PEM) the ssh server accepts.
func (s *Server) SSHPrivateKey() []byte {
	return bytes.Clone(s.mustSSH().privateKey)
}

// SSHKnownHosts is a known_hosts line holding the ssh server's host key.
func (s *Server) SSHKnownHosts() []byte {
	return bytes.Clone(s.mustSSH().knownHosts)
}

func (s *Server) mustSSH() *sshServer {
	if s.ssh == nil {
		panic("gittest: server started without WithSSH")
	}
	return s.ssh
}

// startSSH starts an ssh server on a random port of 127.0.0.1 serving the
// bare repositories under root.
func startSSH(t TB, root string) *sshServer {
	t.Helper()
	_, hostKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("gittest: generate ssh host key: %v", err)
	}
	hostSigner, err := ssh.NewSignerFromKey(hostKey)
	if err != nil {
		t.Fatalf("gittest: ssh host key: %v", err)
	}
	clientPub, clientKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("gittest: generate ssh client key: %v", err)
	}
	authorized, err := ssh.NewPublicKey(clientPub)
	if err != nil {
		t.Fatalf("gittest: ssh client key: %v", err)
	}
	block, err := ssh.MarshalPrivateKey(clientKey, "")
	if err != nil {
		t.Fatalf("gittest: encode ssh client key: %v", err)
	}

	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if bytes.Equal(key.Marshal(), authorized.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("key not authorised")
		},
	}
	cfg.AddHostKey(hostSigner)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("gittest: listen: %v", err)
	}
	s := &sshServer{
		root:       root,
		addr:       l.Addr().String(),
		privateKey: pem.EncodeToMemory(block),
		knownHosts: []byte(knownhosts.Line([]string{knownhosts.Normalize(l.Addr().String())}, hostSigner.PublicKey()) + "\n"),
	}
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go s.serveConn(conn, cfg)
		}
	}()
	t.Cleanup(func() { _ = l.Close() })
	return s
}

func (s *sshServer) serveConn(nc net.Conn, cfg *ssh.ServerConfig) {
	conn, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		_ = nc.Close()
		return
	}
	defer conn.Close()
	go ssh.DiscardRequests(reqs)
	for newCh := range chans {
		if newCh.ChannelType() != "session" {
			_ = newCh.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, chReqs, err := newCh.Accept()
		if err != nil {
			continue
		}
		go s.serveSession(ch, chReqs)
	}
}

// serveSession answers env requests and runs the one git command a session
// may exec.
func (s *sshServer) serveSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	for req := range reqs {
		switch req.Type {
		case "env":
			_ = req.Reply(true, nil)
		case "exec":
			var payload struct{ Command string }
			if err := ssh.Unmarshal(req.Payload, &payload); err != nil {
				_ = req.Reply(false, nil)
				return
			}
			service, dir, ok := s.parseCommand(payload.Command)
			if !ok {
				_ = req.Reply(false, nil)
				return
			}
			_ = req.Reply(true, nil)
			status := runService(ch, service, dir)
			_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
			return
		default:
			_ = req.Reply(false, nil)
		}
	}
}

// parseCommand accepts `git-upload-pack '/name.git'` and
// `git-receive-pack '/name.git'` for repositories under the root.
func (s *sshServer) parseCommand(command string) (service, dir string, ok bool) {
	service, arg, ok := strings.Cut(strings.TrimSpace(command), " ")
	if !ok || (service != "git-upload-pack" && service != "git-receive-pack") {
		return "", "", false
	}
	arg = strings.Trim(strings.TrimSpace(arg), "'\"")
	rel := filepath.Clean("/" + filepath.FromSlash(arg))
	dir = filepath.Join(s.root, rel)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", "", false
	}
	return strings.TrimPrefix(service, "git-"), dir, true
}

// runService runs `git <service> <dir>` wired to the channel and returns
// its exit status.
func runService(ch ssh.Channel, service, dir string) uint32 {
	cmd := exec.Command("git", service, dir)
	cmd.Env = append(environWithoutGit(), gitEnv()...)
	cmd.Stdout = ch
	cmd.Stderr = ch.Stderr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 1
	}
	if err := cmd.Start(); err != nil {
		return 1
	}
	// Not waited for: the client may keep its side open until it sees the
	// exit status; Wait closes stdin once the process has exited.
	go func() {
		_, _ = io.Copy(stdin, ch)
		_ = stdin.Close()
	}()
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() > 0 {
			return uint32(exit.ExitCode())
		}
		return 1
	}
	return 0
}
