package s3bench

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// kib reads a field of /proc/<pid>/status, in KiB.
func kib(t *testing.T, pid int, field string) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}

// TestRSSDuringMultipart uploads 5 GiB in 5 MiB parts, four at a time, to
// the real binary and reports how far its peak resident memory rose.
func TestRSSDuringMultipart(t *testing.T) {
	if os.Getenv("HAKONIWA_LONG") != "1" {
		t.Skip("set HAKONIWA_LONG=1 (writes 10 GiB to disk)")
	}
	rssMultipart(t, 1024)
}

// TestRSSDuringMultipartShort is the same with 103 parts (515 MiB), for
// machines without 10 GiB of disk to spare.
func TestRSSDuringMultipartShort(t *testing.T) {
	if os.Getenv("HAKONIWA_BENCH") != "1" {
		t.Skip("set HAKONIWA_BENCH=1 (writes 1 GiB to disk)")
	}
	rssMultipart(t, 103)
}

// rssMultipart uploads parts of 5 MiB; the parts and the completed object
// are both on disk until the run ends.
func rssMultipart(t *testing.T, parts int32) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "hakoniwa")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/hakoniwa").CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"))
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	url := ""
	sc := bufio.NewScanner(stdout)
	re := regexp.MustCompile(`listening\s+(http://\S+)`)
	for sc.Scan() && url == "" {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
		}
	}
	go io.Copy(io.Discard, stdout)
	ctx := context.Background()
	c := client(url)
	mustBucket(t, c, "rss")
	idle := kib(t, cmd.Process.Pid, "VmRSS")
	const part = 5 << 20
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("rss"), Key: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	// One part's bytes, sent for every part: the SDK needs a seekable
	// body to sign over plain HTTP, and the client's memory is not what
	// is measured.
	body := bytes.Repeat([]byte("z"), part)
	done := make([]types.CompletedPart, parts)
	var wg sync.WaitGroup
	next := make(chan int32)
	start := time.Now()
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range next {
				out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("rss"), Key: aws.String("big"), UploadId: up.UploadId,
					PartNumber: aws.Int32(n), Body: bytes.NewReader(body), ContentLength: aws.Int64(part)})
				if err != nil {
					t.Error(err)
					continue // keep draining, so the sender never blocks
				}
				done[n-1] = types.CompletedPart{PartNumber: aws.Int32(n), ETag: out.ETag}
			}
		}()
	}
	for n := int32(1); n <= parts; n++ {
		next <- n
	}
	close(next)
	wg.Wait()
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("rss"), Key: aws.String("big"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	peak := kib(t, cmd.Process.Pid, "VmHWM")
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("rss"), Key: aws.String("big")})
	if err != nil || aws.ToInt64(h.ContentLength) != part*int64(parts) {
		t.Fatalf("%+v %v", h, err)
	}
	t.Logf("%d MiB multipart in %s: idle RSS %d MiB, peak %d MiB, growth %d MiB", part*int64(parts)>>20, elapsed.Round(time.Second), idle>>10, peak>>10, (peak-idle)>>10)
}
