package xmlutil_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol/protocoltest"
	"hakoniwa/internal/protocol/xmlutil"
)

func shapes(t *testing.T) *model.Shape {
	t.Helper()
	str := &model.Shape{Name: "S", Type: "string"}
	ts := &model.Shape{Name: "T", Type: "timestamp"}
	item := &model.Shape{Name: "Item", Type: "structure", MemberNames: []string{"Kind", "Name"}, Members: map[string]*model.Ref{
		"Kind": {Shape: str, LocationName: "xsi:type", XMLAttribute: true},
		"Name": {Shape: str},
	}, XMLNamespace: &model.XMLNamespace{Prefix: "xsi", URI: "http://www.w3.org/2001/XMLSchema-instance"}}
	list := &model.Shape{Name: "L", Type: "list", Member: &model.Ref{Shape: item, LocationName: "item"}}
	flat := &model.Shape{Name: "F", Type: "list", Flattened: true, Member: &model.Ref{Shape: str}}
	m := &model.Shape{Name: "M", Type: "map", Key: &model.Ref{Shape: str}, Value: &model.Ref{Shape: str}}
	return &model.Shape{Name: "Root", Type: "structure", MemberNames: []string{"Items", "Flat", "Map", "When", "Text"}, Members: map[string]*model.Ref{
		"Items": {Shape: list}, "Flat": {Shape: flat, LocationName: "F"}, "Map": {Shape: m},
		"When": {Shape: ts}, "Text": {Shape: str},
	}}
}

func TestRoundTrip(t *testing.T) {
	s := shapes(t)
	v := map[string]any{
		"Items": []any{map[string]any{"Kind": "A", "Name": "one"}, map[string]any{"Name": "two"}},
		"Flat":  []any{"x", "y"},
		"Map":   map[string]any{"b": "2", "a": "1"},
		"When":  time.Date(2024, 1, 2, 3, 4, 5, 6e6, time.UTC),
		"Text":  "  spaced <&> \n",
	}
	var b bytes.Buffer
	if err := (xmlutil.Encoder{}).Root(&b, "Doc", &model.XMLNamespace{URI: "urn:x"}, s, v); err != nil {
		t.Fatal(err)
	}
	want := `<Doc xmlns="urn:x"><Items><item xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="A"><Name>one</Name></item>` +
		`<item xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Name>two</Name></item></Items><F>x</F><F>y</F>` +
		`<Map><entry><key>a</key><value>1</value></entry><entry><key>b</key><value>2</value></entry></Map>` +
		`<When>2024-01-02T03:04:05.006Z</When><Text>  spaced &lt;&amp;&gt; &#xA;</Text></Doc>`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
	root, err := xmlutil.Parse(&b, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	got, err := (xmlutil.Decoder{}).Struct(root, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := protocoltest.Equal(v, got); err != nil {
		t.Fatal(err)
	}
}

func TestParseRejects(t *testing.T) {
	for _, doc := range []string{
		"<a>", "<a></b>", "<a/><b/>", "text<a/>", strings.Repeat("<a>", xmlutil.MaxDepth+1),
		"<a>" + strings.Repeat("x", 2000) + "</a>",
	} {
		if _, err := xmlutil.Parse(strings.NewReader(doc), 1024); !errors.Is(err, xmlutil.ErrSyntax) {
			t.Errorf("%.20q: err %v, want ErrSyntax", doc, err)
		}
	}
	if n, err := xmlutil.Parse(strings.NewReader("  "), 1024); n != nil || err != nil {
		t.Errorf("empty: %v %v", n, err)
	}
}

func TestServiceNamespace(t *testing.T) {
	svc := &model.Service{Metadata: model.Metadata{EndpointPrefix: "route53", APIVersion: "2013-04-01"}}
	if got := xmlutil.ServiceNamespace(svc); got != "https://route53.amazonaws.com/doc/2013-04-01/" {
		t.Errorf("derived %q", got)
	}
	svc.Metadata.XMLNamespace = "http://sns.amazonaws.com/doc/2010-03-31/"
	if got := xmlutil.ServiceNamespace(svc); got != svc.Metadata.XMLNamespace {
		t.Errorf("model's %q", got)
	}
}
