// Command tool is bench/run.sh's helper: a bare net/http baseline server,
// signed wrk scripts, an exec-to-first-200 timer, a state populator and an
// RSS reader. Every figure bench/run.sh prints is a ratio against a baseline
// measured in the same run.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tool bare|wrkscript|startup|populate|rss ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "bare":
		err = bare(os.Args[2:])
	case "wrkscript":
		err = wrkScript(os.Args[2:])
	case "startup":
		err = startup(os.Args[2:])
	case "populate":
		err = populate(os.Args[2:])
	case "rss":
		err = rss(os.Args[2:])
	case "iamuser":
		err = iamUser(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tool:", err)
		os.Exit(1)
	}
}

// bare is the baseline: net/http answering a fixed body, nothing else.
func bare(args []string) error {
	fs := flag.NewFlagSet("bare", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address")
	fs.Parse(args)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	fmt.Printf("listening http://%s\n", ln.Addr())
	body := []byte(`<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::000000000000:root</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>`)
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read what was sent, as any handler of a POST must; a GET has
		// nothing to read.
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		w.Write(body)
	}))
}

// wrkScript writes a wrk Lua script replaying one signed request. A
// signature stays valid for 15 minutes, longer than any run here.
func wrkScript(args []string) error {
	fs := flag.NewFlagSet("wrkscript", flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "server URL")
	op := fs.String("op", "GetCallerIdentity", "GetCallerIdentity | GetAccessKeyInfo | LookupEvents")
	keyID := fs.String("key", "test", "access key id to sign with")
	secret := fs.String("secret", "test", "secret access key to sign with")
	fs.Parse(args)
	var body, service string
	switch *op {
	case "GetCallerIdentity":
		body, service = "Action=GetCallerIdentity&Version=2011-06-15", "sts"
	case "GetAccessKeyInfo":
		body, service = "Action=GetAccessKeyInfo&Version=2011-06-15&AccessKeyId=AKIAAAAAAAAAAAAAAAAA", "sts"
	case "LookupEvents":
		body, service = `{"MaxResults":5}`, "cloudtrail"
	default:
		return fmt.Errorf("unknown op %q", *op)
	}
	req, err := http.NewRequest(http.MethodPost, *endpoint+"/", strings.NewReader(body))
	if err != nil {
		return err
	}
	if service == "cloudtrail" {
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents")
	} else {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	h := sha256.Sum256([]byte(body))
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: *keyID, SecretAccessKey: *secret}, req, hex.EncodeToString(h[:]), service, "us-east-1", time.Now())
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "wrk.method = \"POST\"\nwrk.body = %q\n", body)
	for k, vs := range req.Header {
		fmt.Fprintf(&b, "wrk.headers[%q] = %q\n", k, strings.Join(vs, ","))
	}
	// Count non-2xx answers so a run of errors cannot pass as throughput.
	b.WriteString(`
local bad = 0
response = function(status, headers, body) if status ~= 200 then bad = bad + 1 end end
done = function(summary, latency, requests) io.write(string.format("non200 %d\n", bad)) end
`)
	_, err = os.Stdout.WriteString(b.String())
	return err
}

// startup execs a server N times and reports the median time until its
// URL first answers 200.
func startup(args []string) error {
	fs := flag.NewFlagSet("startup", flag.ExitOnError)
	n := fs.Int("n", 10, "runs")
	path := fs.String("path", "/_localstack/health", "URL path polled")
	port := fs.Int("port", 45991, "port the server is told to use via {port}")
	fs.Parse(args)
	argv := fs.Args()
	if len(argv) == 0 {
		return fmt.Errorf("startup: no command")
	}
	url := fmt.Sprintf("http://127.0.0.1:%d%s", *port, *path)
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var times []time.Duration
	for i := 0; i < *n; i++ {
		cmdArgs := make([]string, len(argv))
		for j, a := range argv {
			cmdArgs[j] = strings.ReplaceAll(a, "{port}", fmt.Sprint(*port))
		}
		cmd := exec.Command(cmdArgs[0], cmdArgs[1:]...)
		cmd.Stdout, cmd.Stderr = nil, nil
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return err
		}
		for {
			resp, err := client.Get(url)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			if time.Since(start) > 20*time.Second {
				cmd.Process.Kill()
				cmd.Wait()
				return fmt.Errorf("startup: %s never answered 200", url)
			}
			time.Sleep(200 * time.Microsecond)
		}
		times = append(times, time.Since(start))
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
	slices.Sort(times)
	fmt.Printf("%.2f\n", float64(times[len(times)/2].Microseconds())/1000)
	return nil
}

// populate creates n persisted resources (STS session credentials, each
// also an audit event) with 32 concurrent clients.
func populate(args []string) error {
	fs := flag.NewFlagSet("populate", flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "server URL")
	n := fs.Int("n", 10000, "resources")
	fs.Parse(args)
	client := sts.NewFromConfig(aws.Config{
		Region: "us-east-1", BaseEndpoint: endpoint,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(*n) {
				if _, err := client.GetSessionToken(context.Background(), &sts.GetSessionTokenInput{}); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// iamUser creates an IAM user with 10 attached managed policies of 10
// statements each (the evaluator benchmark's shape), one of which allows
// sts:GetAccessKeyInfo, and prints "KEYID SECRET".
func iamUser(args []string) error {
	fs := flag.NewFlagSet("iamuser", flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "server URL")
	fs.Parse(args)
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: endpoint, Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	ctx := context.Background()
	c := iam.NewFromConfig(cfg)
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bench")}); err != nil {
		return err
	}
	for p := 0; p < 10; p++ {
		var stmts []string
		for i := 0; i < 10; i++ {
			stmts = append(stmts, fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Action":["s3:GetObject","ec2:Describe%d*"],"Resource":"arn:aws:s3:::bucket-%d-%d/*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}`, i, i, p, i))
		}
		if p == 9 {
			stmts[9] = `{"Sid":"KeyInfo","Effect":"Allow","Action":"sts:GetAccessKeyInfo","Resource":"*"}`
		}
		doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
		pol, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(fmt.Sprintf("bench-%d", p)), PolicyDocument: &doc})
		if err != nil {
			return err
		}
		if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("bench"), PolicyArn: pol.Policy.Arn}); err != nil {
			return err
		}
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bench")})
	if err != nil {
		return err
	}
	fmt.Println(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey)
	return nil
}

// rss prints a process's resident set size in MiB.
func rss(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("rss PID")
	}
	b, err := os.ReadFile("/proc/" + args[0] + "/status")
	if err != nil {
		return err
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if f := strings.Fields(string(line)); len(f) == 3 && f[0] == "VmRSS:" {
			var kb float64
			fmt.Sscan(f[1], &kb)
			fmt.Printf("%.1f\n", kb/1024)
			return nil
		}
	}
	return fmt.Errorf("no VmRSS for %s", args[0])
}
