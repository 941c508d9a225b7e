// Command hakoniwa runs the AWS cloud on one machine.
//
//	hakoniwa [serve] [flags]   start the server (default)
//	hakoniwa status            show a running server's health
//	hakoniwa reset             wipe a running server's state
//	hakoniwa version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"hakoniwa/internal/authz"
	"hakoniwa/internal/logfmt"
	"hakoniwa/internal/server"
	ec2svc "hakoniwa/internal/service/ec2"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args, stdout, stderr)
	case "status":
		err = admin(args, stdout, http.MethodGet, "/_hakoniwa/health")
	case "reset":
		err = admin(args, stdout, http.MethodPost, "/_hakoniwa/reset")
	case "explain":
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			fmt.Fprintln(stderr, "usage: hakoniwa explain REQUEST-ID [--endpoint URL]")
			return 2
		}
		err = admin(args[1:], stdout, http.MethodGet, "/_hakoniwa/explain/"+url.PathEscape(args[0]))
	case "version":
		fmt.Fprintln(stdout, "hakoniwa", server.Version)
	case "help", "-h", "--help":
		usage(stdout)
	default:
		fmt.Fprintf(stderr, "hakoniwa: unknown command %q\n", cmd)
		usage(stderr)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "hakoniwa:", err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: hakoniwa [serve] [flags]   start the server (default command)
       hakoniwa status [--endpoint URL]
       hakoniwa reset  [--endpoint URL]
       hakoniwa explain REQUEST-ID [--endpoint URL]   why a call was allowed or denied
       hakoniwa version
Run "hakoniwa serve -h" for the server's flags and environment variables.
`)
}

// env returns the first non-empty environment variable of names.
func env(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

func envBool(names ...string) bool {
	b, _ := strconv.ParseBool(env(names...))
	return b
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// defaultDataDir follows the XDG base directory convention.
func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "hakoniwa")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "hakoniwa")
	}
	return filepath.Join(os.TempDir(), "hakoniwa")
}

func serve(args []string, stdout, stderr io.Writer) error {
	if os.Getenv("GOGC") == "" {
		// A call allocates a few KiB and keeps none of it; the live heap is
		// a few MiB. Collecting at 3x rather than 2x the live heap bought
		// about a tenth more signed calls per second under wrk, for a few
		// MiB more under load and nothing at idle. GOGC still overrides.
		debug.SetGCPercent(200)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", or(env("HAKONIWA_LISTEN", "GATEWAY_LISTEN"), "127.0.0.1:4566"),
		"comma-separated host:port list to listen on; a bare :port means loopback (env HAKONIWA_LISTEN, GATEWAY_LISTEN)")
	dataDir := fs.String("data-dir", or(env("HAKONIWA_DATA_DIR"), defaultDataDir()), "where state is kept (env HAKONIWA_DATA_DIR)")
	ephemeral := fs.Bool("ephemeral", envBool("HAKONIWA_EPHEMERAL"), "keep state in memory only (env HAKONIWA_EPHEMERAL)")
	region := fs.String("region", or(env("HAKONIWA_DEFAULT_REGION", "DEFAULT_REGION", "AWS_DEFAULT_REGION"), "us-east-1"),
		"region for requests that carry no signing scope (env HAKONIWA_DEFAULT_REGION, DEFAULT_REGION, AWS_DEFAULT_REGION)")
	services := fs.String("services", env("HAKONIWA_SERVICES", "SERVICES"), "comma-separated services to enable; empty = all (env HAKONIWA_SERVICES, SERVICES)")
	logLevel := fs.String("log-level", or(env("HAKONIWA_LOG_LEVEL", "LS_LOG"), "info"), "debug, info, warn or error (env HAKONIWA_LOG_LEVEL, LS_LOG)")
	iamMode := fs.String("iam-enforcement", or(env("HAKONIWA_IAM_ENFORCEMENT"), "enforce"),
		"enforce, report (log would-be denials, allow them) or off (env HAKONIWA_IAM_ENFORCEMENT)")
	ec2Quotas := fs.String("ec2-quotas", env("HAKONIWA_EC2_QUOTAS"),
		"EC2 limits over AWS's defaults, e.g. vpcs-per-region=20,elastic-ips-per-region=10 (env HAKONIWA_EC2_QUOTAS)")
	strict := fs.Bool("strict-auth", envBool("HAKONIWA_STRICT_AUTH"), "refuse access keys hakoniwa did not issue (env HAKONIWA_STRICT_AUTH)")
	rootKey := fs.String("root-access-key-id", or(env("HAKONIWA_ROOT_ACCESS_KEY_ID"), "test"), "root access key id checked in strict mode (env HAKONIWA_ROOT_ACCESS_KEY_ID)")
	rootSecret := fs.String("root-secret-access-key", or(env("HAKONIWA_ROOT_SECRET_ACCESS_KEY"), "test"), "root secret access key checked in strict mode (env HAKONIWA_ROOT_SECRET_ACCESS_KEY)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	level, err := parseLevel(*logLevel)
	if err != nil {
		return err
	}
	mode, err := authz.ParseMode(*iamMode)
	if err != nil {
		return err
	}
	quotas, err := ec2svc.ParseQuotas(*ec2Quotas)
	if err != nil {
		return err
	}
	addrs, err := listenAddrs(*listen)
	if err != nil {
		return err
	}
	logOut := newLogBuffer(stderr)
	defer logOut.Close()
	log := slog.New(logfmt.NewTextHandler(logOut, &slog.HandlerOptions{Level: level}))
	cfg := server.Config{
		Listen: addrs, DataDir: *dataDir, Ephemeral: *ephemeral, Region: *region,
		StrictAuth: *strict, IAMMode: mode, EC2Quotas: quotas, RootAccessKey: *rootKey, RootSecretKey: *rootSecret, Log: log,
	}
	if *services != "" {
		cfg.Services = strings.Split(*services, ",")
	}
	if path := os.Getenv("HAKONIWA_CPUPROFILE"); path != "" {
		// For performance work: profile the whole life of the server.
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		srv.Stop(context.Background())
		return err
	}
	fmt.Fprint(stdout, srv.Banner())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Stop(shutdown)
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug", "trace":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unknown log level %q", s)
}

// listenAddrs parses a LocalStack-style GATEWAY_LISTEN list. A bare port
// binds loopback: hakoniwa never listens beyond this machine unless told
// a host explicitly.
func listenAddrs(s string) ([]string, error) {
	var out []string
	for _, a := range strings.Split(s, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if !strings.Contains(a, ":") {
			a = ":" + a
		}
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			return nil, fmt.Errorf("listen address %q: %w", a, err)
		}
		if host == "" {
			host = "127.0.0.1"
		}
		out = append(out, net.JoinHostPort(host, port))
	}
	if len(out) == 0 {
		return nil, errors.New("no listen address")
	}
	return out, nil
}

func admin(args []string, stdout io.Writer, method, path string) error {
	fs := flag.NewFlagSet("admin", flag.ContinueOnError)
	endpoint := fs.String("endpoint", or(env("HAKONIWA_ENDPOINT", "AWS_ENDPOINT_URL"), "http://127.0.0.1:4566"), "server URL (env HAKONIWA_ENDPOINT, AWS_ENDPOINT_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	req, err := http.NewRequest(method, strings.TrimRight(*endpoint, "/")+path, nil)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("no hakoniwa at %s: %w", *endpoint, err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(stdout, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	return nil
}
