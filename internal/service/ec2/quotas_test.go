package ec2

import "testing"

func TestParseQuotas(t *testing.T) {
	q, err := ParseQuotas("vpcs-per-region=20, elastic-ips-per-region=10")
	if err != nil || q.VPCsPerRegion != 20 || q.ElasticIPsPerRegion != 10 || q.SubnetsPerVPC != 200 {
		t.Fatalf("%+v %v", q, err)
	}
	if q, err := ParseQuotas(""); err != nil || q != DefaultQuotas() {
		t.Fatalf("empty spec: %+v %v", q, err)
	}
	for _, bad := range []string{"vpcs=3", "vpcs-per-region", "vpcs-per-region=0", "vpcs-per-region=x"} {
		if _, err := ParseQuotas(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
