package s3bench

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The first page a client sees (1,000 keys, the default) and a whole
// listing of the 100k-key bucket, page after page as the SDK's paginator
// walks it: what `aws s3 ls --recursive` or a sync costs before any byte
// moves.
func BenchmarkListFirstPageOf100k(b *testing.B) {
	benchList(b, s3.ListObjectsV2Input{Bucket: aws.String("big-list")}, 1000)
}

func BenchmarkListAllOf100k(b *testing.B) {
	c := listClient(b)
	b.ResetTimer()
	for b.Loop() {
		n, pages := 0, 0
		p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("big-list")})
		for p.HasMorePages() {
			out, err := p.NextPage(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			n += len(out.Contents)
			pages++
		}
		if n != 100000 || pages != 100 {
			b.Fatalf("%d keys in %d pages", n, pages)
		}
	}
}

// TestListFigures prints both against the whole of a 10-key bucket.
func TestListFigures(t *testing.T) {
	if os.Getenv("HAKONIWA_BENCH") != "1" {
		t.Skip("set HAKONIWA_BENCH=1")
	}
	small := testing.Benchmark(BenchmarkListAll10)
	first := testing.Benchmark(BenchmarkListFirstPageOf100k)
	all := testing.Benchmark(BenchmarkListAllOf100k)
	ms := func(r testing.BenchmarkResult) float64 { return float64(r.NsPerOp()) / 1e6 }
	t.Logf("%-22s 10-key bucket %.3f ms   first 1000 of 100k %.2f ms (ratio %.1f)   all 100k in 100 pages %.0f ms (ratio %.0f, %.0f keys/ms)",
		"ListObjectsV2", ms(small), ms(first), ms(first)/ms(small), ms(all), ms(all)/ms(small), 100000/ms(all))
}
