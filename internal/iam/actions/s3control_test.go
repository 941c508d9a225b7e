package actions

import "testing"

// S3 Control's GetPublicAccessBlock is the account's; S3's is the bucket's.
func TestS3ControlPublicAccessBlockActions(t *testing.T) {
	for _, c := range []struct{ id, op, want string }{
		{"s3control", "GetPublicAccessBlock", "s3:GetAccountPublicAccessBlock"},
		{"s3control", "PutPublicAccessBlock", "s3:PutAccountPublicAccessBlock"},
		{"s3control", "DeletePublicAccessBlock", "s3:PutAccountPublicAccessBlock"},
		{"s3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"},
		{"s3control", "PutBucketReplication", "s3:PutReplicationConfiguration"},
	} {
		checks, err := Resolve(Request{ServiceID: c.id, Operation: c.op, Account: acct, Region: region, Input: map[string]any{"Bucket": "b"}})
		if err != nil || len(checks) != 1 || checks[0].Action != c.want {
			t.Errorf("%s:%s = %+v, %v; want %s", c.id, c.op, checks, err, c.want)
		}
	}
}
