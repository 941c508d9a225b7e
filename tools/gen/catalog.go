package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// catalogEntry mirrors catalog.Entry; the generator cannot import the
// package it writes.
type catalogEntry struct {
	ID, ServiceID, EndpointPrefix, SigningName, TargetPrefix string
	JSONVersion, APIVersion, XMLNamespace                    string
	Protocols                                                []string
}

var versionRE = regexp.MustCompile(`(?m)^__version__\s*=\s*['"]([^'"]+)['"]`)

// generateCatalog indexes every service of an installed botocore, using
// the newest API version of each.
func generateCatalog(botocore string) ([]byte, error) {
	init, err := os.ReadFile(filepath.Join(botocore, "__init__.py"))
	if err != nil {
		return nil, fmt.Errorf("botocore at %s: %w", botocore, err)
	}
	m := versionRE.FindSubmatch(init)
	if m == nil {
		return nil, fmt.Errorf("botocore at %s: no __version__", botocore)
	}
	version := string(m[1])
	data := filepath.Join(botocore, "data")
	ents, err := os.ReadDir(data)
	if err != nil {
		return nil, err
	}
	var entries []catalogEntry
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		ent, ok, err := catalogService(filepath.Join(data, e.Name()), e.Name())
		if err != nil {
			return nil, err
		}
		if ok {
			entries = append(entries, ent)
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].ID < entries[j].ID })

	var b bytes.Buffer
	b.WriteString(header)
	b.WriteString("package catalog\n\n")
	fmt.Fprintf(&b, "// BotocoreVersion is the botocore release the table was generated from.\nconst BotocoreVersion = %q\n\n", version)
	b.WriteString("var entries = []Entry{\n")
	for _, e := range entries {
		// Empty fields are left out to keep the 400-line table readable.
		var fs []string
		for _, kv := range [][2]string{
			{"ID", e.ID}, {"ServiceID", e.ServiceID}, {"EndpointPrefix", e.EndpointPrefix},
			{"SigningName", e.SigningName}, {"TargetPrefix", e.TargetPrefix},
			{"JSONVersion", e.JSONVersion}, {"APIVersion", e.APIVersion}, {"XMLNamespace", e.XMLNamespace},
		} {
			if kv[1] != "" {
				fs = append(fs, fmt.Sprintf("%s: %q", kv[0], kv[1]))
			}
		}
		if len(e.Protocols) > 0 {
			fs = append(fs, "Protocols: "+goStrings(e.Protocols))
		}
		fmt.Fprintf(&b, "\t{%s},\n", strings.Join(fs, ", "))
	}
	b.WriteString("}\n")
	return gofmt("zz_catalog.go", &b)
}

func goStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}

// catalogService reads one service directory; directories without a
// service model (botocore keeps shared JSON files beside them) are skipped.
func catalogService(dir, id string) (catalogEntry, bool, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return catalogEntry{}, false, err
	}
	var versions []string
	for _, e := range ents {
		if e.IsDir() {
			versions = append(versions, e.Name())
		}
	}
	sort.Strings(versions)
	for i := len(versions) - 1; i >= 0; i-- {
		for _, name := range []string{"service-2.json.gz", "service-2.json"} {
			f, err := os.Open(filepath.Join(dir, versions[i], name))
			if err != nil {
				continue
			}
			ent, err := catalogMetadata(f, id, strings.HasSuffix(name, ".gz"))
			f.Close()
			return ent, err == nil, err
		}
	}
	return catalogEntry{}, false, nil
}

// catalogMetadata reads just the metadata object. botocore writes it near
// the top, so the decoder stops long before the shapes: the catalogue
// covers 400+ models and this keeps generation fast.
func catalogMetadata(r io.Reader, id string, gz bool) (catalogEntry, error) {
	if gz {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return catalogEntry{}, fmt.Errorf("catalog %s: %w", id, err)
		}
		r = zr
	}
	var doc struct {
		Metadata struct {
			APIVersion     string   `json:"apiVersion"`
			EndpointPrefix string   `json:"endpointPrefix"`
			SigningName    string   `json:"signingName"`
			TargetPrefix   string   `json:"targetPrefix"`
			JSONVersion    string   `json:"jsonVersion"`
			Protocol       string   `json:"protocol"`
			Protocols      []string `json:"protocols"`
			XMLNamespace   any      `json:"xmlNamespace"`
			ServiceID      string   `json:"serviceId"`
		}
	}
	dec := json.NewDecoder(r)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return catalogEntry{}, fmt.Errorf("catalog %s: not a JSON object", id)
	}
	for found := false; !found; {
		if !dec.More() {
			return catalogEntry{}, fmt.Errorf("catalog %s: no metadata", id)
		}
		key, err := dec.Token()
		if err != nil {
			return catalogEntry{}, fmt.Errorf("catalog %s: %w", id, err)
		}
		if key == "metadata" {
			err, found = dec.Decode(&doc.Metadata), true
		} else {
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return catalogEntry{}, fmt.Errorf("catalog %s: %w", id, err)
		}
	}
	md := doc.Metadata
	e := catalogEntry{
		ID: id, ServiceID: md.ServiceID, EndpointPrefix: md.EndpointPrefix,
		SigningName: md.SigningName, TargetPrefix: md.TargetPrefix,
		JSONVersion: md.JSONVersion, APIVersion: md.APIVersion, Protocols: md.Protocols,
	}
	if e.SigningName == "" {
		e.SigningName = md.EndpointPrefix
	}
	if len(e.Protocols) == 0 && md.Protocol != "" {
		e.Protocols = []string{md.Protocol}
	}
	// xmlNamespace is an object {"uri": ...} in service models.
	switch ns := md.XMLNamespace.(type) {
	case string:
		e.XMLNamespace = ns
	case map[string]any:
		e.XMLNamespace, _ = ns["uri"].(string)
	}
	return e, nil
}
