// Package e2e drives the real hakoniwa binary with real AWS clients:
// aws-sdk-go-v2, boto3, and the aws CLI v1 and v2.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// binary is the hakoniwa executable built once for the whole run.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hakoniwa-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "hakoniwa")
	build := exec.Command("go", "build", "-o", binary, "../../cmd/hakoniwa")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building hakoniwa:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Server is one running hakoniwa process.
type Server struct {
	t       *testing.T
	URL     string
	DataDir string
	args    []string
	env     []string
	cmd     *exec.Cmd
	logs    *syncBuffer
	exited  chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listening = regexp.MustCompile(`listening\s+(http://\S+)`)

// StartServer starts hakoniwa on a free loopback port with a fresh data
// directory; extra args go to `hakoniwa serve`.
func StartServer(t *testing.T, args ...string) *Server {
	t.Helper()
	s := &Server{t: t, DataDir: t.TempDir(), args: args}
	s.start()
	t.Cleanup(func() { s.Stop() })
	return s
}

// StartServerEnv is StartServer with extra environment variables.
func StartServerEnv(t *testing.T, env []string, args ...string) *Server {
	t.Helper()
	s := &Server{t: t, DataDir: t.TempDir(), args: args, env: env}
	s.start()
	t.Cleanup(func() { s.Stop() })
	return s
}

func (s *Server) start() {
	s.t.Helper()
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", s.DataDir}, s.args...)
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), s.env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	s.logs = &syncBuffer{}
	cmd.Stderr = s.logs
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { cmd.Wait(); close(s.exited) }()
	select {
	case s.URL = <-found:
	case <-s.exited:
		s.t.Fatalf("hakoniwa exited before listening:\n%s", s.logs.String())
	case <-time.After(30 * time.Second):
		s.t.Fatalf("hakoniwa did not start within 30s:\n%s", s.logs.String())
	}
}

// Stop shuts the server down gracefully.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

// Kill ends the server with SIGKILL: no shutdown code runs.
func (s *Server) Kill() {
	s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// Restart starts a new process on the same data directory.
func (s *Server) Restart() {
	s.Stop()
	s.start()
}

// WaitLog waits up to 10s for the server's log to contain want.
func (s *Server) WaitLog(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.Logs(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("log never contained %q:\n%s", want, s.Logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Logs returns what the server wrote to stderr.
func (s *Server) Logs() string { return s.logs.String() }

// AWSConfig is an aws-sdk-go-v2 config aimed at the server.
func (s *Server) AWSConfig(keyID, secret, token string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, token),
		BaseEndpoint: aws.String(s.URL),
		HTTPClient:   http.DefaultClient,
	}
}

// DefaultConfig uses the LocalStack-convention test/test keys.
func (s *Server) DefaultConfig() aws.Config { return s.AWSConfig("test", "test", "") }

// Run executes a command with AWS_* pointed at the server and returns its
// stdout; on failure it returns stdout, stderr and the error.
func (s *Server) Run(ctx context.Context, env []string, name string, args ...string) (string, string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ENDPOINT_URL="+s.URL, "AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
	)
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// need skips the test when a client program is missing. CI's test script
// installs them; a developer without them still runs everything else.
func need(t *testing.T, path string) string {
	t.Helper()
	p, err := exec.LookPath(path)
	if err != nil {
		missing(t, path)
	}
	return p
}

// missing skips, or fails when HAKONIWA_E2E_REQUIRE_CLIENTS is set (CI).
func missing(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("HAKONIWA_E2E_REQUIRE_CLIENTS") != "" {
		t.Fatalf("%s is required (HAKONIWA_E2E_REQUIRE_CLIENTS is set) but not installed", what)
	}
	t.Skipf("%s not installed", what)
}

func contains(t *testing.T, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Fatalf("output does not contain %q:\n%s", want, got)
	}
}
