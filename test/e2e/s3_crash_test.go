package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// crashBody is the payload of key: deterministic, so a reader after the
// crash can tell a whole object from a torn one by its digest alone.
func crashBody(key string, size int) []byte {
	seed := sha256.Sum256([]byte(key))
	return bytes.Repeat(seed[:], size/len(seed)+1)[:size]
}

// SIGKILL while uploads are streaming: after the restart every
// acknowledged PUT reads back whole, nothing listed is torn, and the blobs
// the crash left unnamed (uploads cut off mid-body, a leftover planted
// while the server was down) are swept in the background, leaving exactly
// one file per object.
func TestS3KillDuringUploads(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := s3.NewFromConfig(s.DefaultConfig(), func(o *s3.Options) { o.UsePathStyle = true; o.RetryMaxAttempts = 1 })
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("crash")}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	acked := map[string]int{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key, size := fmt.Sprintf("w%d/%05d", w, i), 64<<10+(i%16)<<16
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("crash"), Key: aws.String(key),
					Body: bytes.NewReader(crashBody(key, size))}); err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked[key] = size
				mu.Unlock()
			}
		}()
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 100 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.Kill()
	close(stop)
	wg.Wait()

	blobs := filepath.Join(s.DataDir, "blobs")
	planted := filepath.Join(blobs, "ab", "ab"+fmt.Sprintf("%030x", 1))
	if err := os.MkdirAll(filepath.Dir(planted), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(planted, []byte("left by a crash"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.start()
	c = s3.NewFromConfig(s.DefaultConfig(), func(o *s3.Options) { o.UsePathStyle = true })

	for key, size := range acked {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("crash"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("acknowledged %s lost: %v", key, err)
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || !bytes.Equal(got, crashBody(key, size)) {
			t.Fatalf("acknowledged %s reads %d bytes, not its %d: %v", key, len(got), size, err)
		}
	}
	listed := 0
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("crash")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			// A PUT cut off after its commit but before its answer is listed
			// without being acknowledged; it must still be whole.
			var i int
			fmt.Sscanf((*o.Key)[3:], "%d", &i)
			if want := int64(64<<10 + (i%16)<<16); aws.ToInt64(o.Size) != want {
				t.Errorf("%s listed with %d bytes, want %d", *o.Key, aws.ToInt64(o.Size), want)
			}
			listed++
		}
	}
	if listed < len(acked) {
		t.Fatalf("%d objects listed, %d acknowledged", listed, len(acked))
	}

	count := func() int {
		files, _ := filepath.Glob(filepath.Join(blobs, "[0-9a-f][0-9a-f]", "*"))
		return len(files)
	}
	deadline := time.Now().Add(30 * time.Second)
	for count() != listed && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := count(); n != listed {
		t.Fatalf("%d blob files for %d objects after the sweep", n, listed)
	}
	if _, err := os.Stat(planted); !os.IsNotExist(err) {
		t.Errorf("planted leftover survived: %v", err)
	}
	contains(t, s.Logs(), "removed unreferenced blobs")
}
