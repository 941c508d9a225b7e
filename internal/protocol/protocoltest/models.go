package protocoltest

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"hakoniwa/internal/model"
)

// Models loads the pinned botocore models (models/botocore/<id>/<version>)
// for tests, parsing each once per Models value.
type Models struct {
	mu    sync.Mutex
	cache map[string]*model.Service
}

// Load returns the parsed model of service id (sts, s3, ec2, ...).
func (m *Models) Load(id string) (*model.Service, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if svc, ok := m.cache[id]; ok {
		return svc, nil
	}
	dir, err := RepoFile(filepath.Join("models", "botocore", id))
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "*", "service-2.json.gz"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no model for %s in %s", id, dir)
	}
	data, err := os.ReadFile(files[len(files)-1])
	if err != nil {
		return nil, err
	}
	svc, err := model.Parse(id, data)
	if err != nil {
		return nil, err
	}
	if m.cache == nil {
		m.cache = map[string]*model.Service{}
	}
	m.cache[id] = svc
	return svc, nil
}
