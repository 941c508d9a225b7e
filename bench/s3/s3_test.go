// Package s3bench measures S3's data plane against a bare net/http handler
// in the same process, with the same client, so the ratio is the cost of
// hakoniwa (signature check, codec, authorization, store commit, blob
// file) and nothing else:
//
//	go test ./bench/s3 -run Figures -v            (HAKONIWA_BENCH=1)
//	go test ./bench/s3 -run RSS -v -timeout 30m   (HAKONIWA_LONG=1: 5 GiB multipart)
//	go test ./bench/s3 -bench . -run ^$           (the raw benchmarks)
package s3bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"

	"hakoniwa/internal/server"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// bare answers PUT by reading the body and GET with size bytes: the least
// an S3 server can do over HTTP.
func bare(b testing.TB) string {
	body := map[int][]byte{}
	var mu sync.Mutex
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPut:
			io.Copy(io.Discard, r.Body)
			w.Header().Set("ETag", `"00000000000000000000000000000000"`)
		case http.MethodGet:
			n := 1 << 20
			mu.Lock()
			p, ok := body[n]
			if !ok {
				p = make([]byte, n)
				body[n] = p
			}
			mu.Unlock()
			w.Header().Set("Content-Length", fmt.Sprint(n))
			w.Write(p)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// real starts hakoniwa in process on a durable data directory, as
// `hakoniwa serve` would.
func real(b testing.TB) string {
	s, err := server.New(server.Config{Listen: []string{"127.0.0.1:0"}, DataDir: b.TempDir(), Services: []string{"s3", "sts", "iam"}})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Stop(context.Background()) })
	return "http://" + s.Addrs()[0]
}

func client(endpoint string) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		HTTPClient:  &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}})
}

func mustBucket(b testing.TB, c *s3.Client, name string) {
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		b.Fatal(err)
	}
}

func benchPut(b *testing.B, endpoint string, size int) {
	c := client(endpoint)
	mustBucket(b, c, "bench")
	data := bytes.Repeat([]byte("x"), size)
	b.SetBytes(int64(size))
	// 32 requests in flight (16 per core here), as wrk -c32 in bench/run.sh:
	// a durable PUT waits on fsync, and only concurrency hides that.
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String(fmt.Sprintf("k%d", i%64)),
				Body: bytes.NewReader(data)}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchGet(b *testing.B, endpoint string) {
	c := client(endpoint)
	mustBucket(b, c, "bench")
	data := bytes.Repeat([]byte("x"), 1<<20)
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String("k"), Body: bytes.NewReader(data)}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(1 << 20)
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("bench"), Key: aws.String("k")})
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, out.Body)
			out.Body.Close()
		}
	})
}

func BenchmarkPut1MiBBare(b *testing.B)     { benchPut(b, bare(b), 1<<20) }
func BenchmarkPut1MiBHakoniwa(b *testing.B) { benchPut(b, real(b), 1<<20) }
func BenchmarkPut4KiBBare(b *testing.B)     { benchPut(b, bare(b), 4<<10) }
func BenchmarkPut4KiBHakoniwa(b *testing.B) { benchPut(b, real(b), 4<<10) }
func BenchmarkGet1MiBBare(b *testing.B)     { benchGet(b, bare(b)) }
func BenchmarkGet1MiBHakoniwa(b *testing.B) { benchGet(b, real(b)) }

// listFixture is one server with a bucket of 100k keys and one of 10.
var listFixture struct {
	once sync.Once
	c    *s3.Client
}

func listClient(b *testing.B) *s3.Client {
	listFixture.once.Do(func() {
		// The fixture outlives the benchmark that built it.
		s, err := server.New(server.Config{Listen: []string{"127.0.0.1:0"}, Ephemeral: true, Services: []string{"s3", "sts", "iam"}})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Start(); err != nil {
			b.Fatal(err)
		}
		c := client("http://" + s.Addrs()[0])
		mustBucket(b, c, "big-list")
		mustBucket(b, c, "small-list")
		put := func(bucket string, n, workers int) {
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < n; i += workers {
						c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket),
							Key: aws.String(fmt.Sprintf("d%03d/k%07d", i%100, i)), Body: bytes.NewReader(nil)})
					}
				}()
			}
			wg.Wait()
		}
		put("big-list", 100000, 32)
		put("small-list", 10, 1)
		listFixture.c = c
	})
	return listFixture.c
}

func benchList(b *testing.B, in s3.ListObjectsV2Input, want int) {
	c := listClient(b)
	b.ResetTimer()
	for b.Loop() {
		out, err := c.ListObjectsV2(context.Background(), &in)
		if err != nil || len(out.Contents) != want {
			b.Fatalf("%d keys, %v", len(out.Contents), err)
		}
	}
}

// A 10-key page from the middle of 100k keys against the whole of a
// 10-key bucket: equal when a page costs its own size only. The
// 1000-key page is the largest one.
func BenchmarkListPage10Of100k(b *testing.B) {
	benchList(b, s3.ListObjectsV2Input{Bucket: aws.String("big-list"), StartAfter: aws.String("d050/k0050000"), MaxKeys: aws.Int32(10)}, 10)
}
func BenchmarkListPage1000Of100k(b *testing.B) {
	benchList(b, s3.ListObjectsV2Input{Bucket: aws.String("big-list"), Prefix: aws.String("d042/")}, 1000)
}
func BenchmarkListAll10(b *testing.B) {
	benchList(b, s3.ListObjectsV2Input{Bucket: aws.String("small-list")}, 10)
}

// TestFigures prints the ratios the issue asks for.
func TestFigures(t *testing.T) {
	if os.Getenv("HAKONIWA_BENCH") != "1" {
		t.Skip("set HAKONIWA_BENCH=1")
	}
	pair := func(name string, bareFn, realFn func(*testing.B), unit string) {
		rb, rr := testing.Benchmark(bareFn), testing.Benchmark(realFn)
		var vb, vr float64
		if unit == "MB/s" {
			vb = float64(rb.Bytes) * float64(rb.N) / rb.T.Seconds() / 1e6
			vr = float64(rr.Bytes) * float64(rr.N) / rr.T.Seconds() / 1e6
		} else {
			vb, vr = float64(rb.N)/rb.T.Seconds(), float64(rr.N)/rr.T.Seconds()
		}
		t.Logf("%-22s bare %10.1f %s   hakoniwa %10.1f %s   ratio %.2f", name, vb, unit, vr, unit, vr/vb)
	}
	pair("PUT 1 MiB", BenchmarkPut1MiBBare, BenchmarkPut1MiBHakoniwa, "MB/s")
	pair("GET 1 MiB", BenchmarkGet1MiBBare, BenchmarkGet1MiBHakoniwa, "MB/s")
	pair("PUT 4 KiB", BenchmarkPut4KiBBare, BenchmarkPut4KiBHakoniwa, "ops/s")
	small, mid, big := testing.Benchmark(BenchmarkListAll10), testing.Benchmark(BenchmarkListPage10Of100k), testing.Benchmark(BenchmarkListPage1000Of100k)
	t.Logf("%-22s 10-key bucket %.3f ms   10 of 100k %.3f ms (ratio %.2f)   1000 of 100k %.3f ms", "ListObjectsV2 page",
		float64(small.NsPerOp())/1e6, float64(mid.NsPerOp())/1e6, float64(mid.NsPerOp())/float64(small.NsPerOp()), float64(big.NsPerOp())/1e6)
}
