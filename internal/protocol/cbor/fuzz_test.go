package cbor

import (
	"errors"
	"testing"

	"hakoniwa/internal/awserr"
)

// FuzzCBORDecode feeds arbitrary bytes to the decoder for operations with
// deep, varied inputs. Any outcome but a panic or a non-awserr error is fine.
func FuzzCBORDecode(f *testing.F) {
	f.Add([]byte{0xa0})
	f.Add(cmap(kv{"Namespace", text("n")}, kv{"MetricData", array(cmap(kv{"Value", f64(1)}, kv{"Timestamp", tag(1, uint_(5))}))}))
	f.Add([]byte{0xbf, 0x69, 'N', 'a', 'm', 'e', 's', 'p', 'a', 'c', 'e', 0x7f, 0xff, 0xff})
	f.Add([]byte{0xc1, 0xfb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x9f, 0x9f, 0x9f, 0x9f})
	svc := cloudwatch(f)
	c := New().(*codec)
	ops := []string{"PutMetricData", "GetMetricData", "PutMetricAlarm", "PutDashboard"}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, name := range ops {
			_, err := c.decodeStructure(body, svc.Operation(name).Input.Shape)
			var ae *awserr.Error
			if err != nil && !errors.As(err, &ae) {
				t.Fatalf("%s: non-AWS error %T: %v", name, err, err)
			}
		}
	})
}
