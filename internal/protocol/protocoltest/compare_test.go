package protocoltest

import "testing"

func TestXMLEqual(t *testing.T) {
	tests := []struct {
		want, got string
		opts      XMLOptions
		equal     bool
	}{
		{`<a><b>1</b><c>2</c></a>`, `<a>  <c>2</c><b>1</b> </a>`, XMLOptions{}, true},
		{`<a><b>1</b><b>2</b></a>`, `<a><b>2</b><b>1</b></a>`, XMLOptions{}, false},
		{`<a><b>1</b><b>2</b></a>`, `<a><b>2</b><b>1</b></a>`, XMLOptions{Unordered: true}, true},
		{`<a><b/></a>`, `<a><b></b></a>`, XMLOptions{}, true},
		{`<a><b>1</b></a>`, `<a><b>1</b><c/></a>`, XMLOptions{}, false},
		{`<a x="1"/>`, `<a x="2"/>`, XMLOptions{}, false},
		{`<a xmlns="urn:a"/>`, `<a/>`, XMLOptions{}, false},
		{`<a xmlns="urn:a"/>`, `<a/>`, XMLOptions{IgnoreRootNamespace: true}, true},
		{`<a/>`, `<z/>`, XMLOptions{IgnoreRootName: true}, true},
		{`<a><RequestId>x</RequestId></a>`, `<a/>`, XMLOptions{Ignore: []string{"RequestId"}}, true},
	}
	for _, tc := range tests {
		err := XMLEqual([]byte(tc.want), []byte(tc.got), tc.opts)
		if (err == nil) != tc.equal {
			t.Errorf("XMLEqual(%s, %s) = %v, want equal=%v", tc.want, tc.got, err, tc.equal)
		}
	}
	if JSONEqual([]byte(`{"a":1,"b":[1,2]}`), []byte(`{"b":[1,2.0],"a":1e0}`)) != nil {
		t.Error("JSONEqual: numbers should compare by value")
	}
	if JSONEqual([]byte(`{"a":[1,2]}`), []byte(`{"a":[2,1]}`)) == nil {
		t.Error("JSONEqual: list order matters")
	}
}
