package generate

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/retention-exporter/retention_exporter/config"
)

// TestCommittedFilesAreCurrent fails when a committed generated file
// differs from what the code generates for the default configuration.
// Regenerate with: go run ./cmd/retention_exporter generate
func TestCommittedFilesAreCurrent(t *testing.T) {
	cfg, err := config.Parse(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	files, err := Files(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		committed, err := os.ReadFile(filepath.Join("..", "..", f.Path))
		if err != nil {
			t.Errorf("%s: %v (regenerate with: go run ./cmd/retention_exporter generate)", f.Path, err)
			continue
		}
		if !bytes.Equal(committed, f.Data) {
			t.Errorf("%s is out of date: regenerate with: go run ./cmd/retention_exporter generate", f.Path)
		}
	}
}
