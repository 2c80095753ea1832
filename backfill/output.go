package backfill

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/oklog/ulid/v2"
)

// tmpPrefix names the directory blocks are written into before they move
// into the output directory. Prometheus loads only directories named by
// a ULID, so it never takes this one for a block.
const tmpPrefix = ".backfill-"

// output is the output directory while a backfill writes into it.
type output struct {
	dir, tmp string
	old      []string // blocks an overwrite replaces
}

// Inspect checks, without writing, that dir can take a backfill's
// blocks: it is new or empty, or, with overwrite, holds only blocks (and
// temporary directories of backfills that were stopped). Anything else,
// such as a Prometheus data directory's WAL, is refused with or without
// overwrite. It returns the blocks an overwrite replaces.
func Inspect(dir string, overwrite bool) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	var blocks []string
	for _, e := range entries {
		if !e.IsDir() || !(isBlock(filepath.Join(dir, e.Name())) || strings.HasPrefix(e.Name(), tmpPrefix)) {
			return nil, fmt.Errorf("output directory %s holds %s, which is not a block: give an empty or new directory "+
				"(--overwrite replaces only blocks)", dir, e.Name())
		}
		blocks = append(blocks, e.Name())
	}
	if len(blocks) > 0 && !overwrite {
		return nil, fmt.Errorf("output directory %s is not empty (it holds %d blocks, %s first): "+
			"pass --overwrite to replace them, or give an empty or new directory", dir, len(blocks), blocks[0])
	}
	return blocks, nil
}

// prepare checks the output directory as Inspect does and makes the
// temporary directory in it.
func prepare(dir string, overwrite bool) (*output, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	old, err := Inspect(dir, overwrite)
	if err != nil {
		return nil, err
	}
	o := &output{dir: dir, old: old}
	o.tmp, err = os.MkdirTemp(dir, tmpPrefix)
	if err != nil {
		return nil, fmt.Errorf("output directory %s is not writable: %w", dir, err)
	}
	return o, nil
}

func isBlock(dir string) bool {
	if _, err := ulid.ParseStrict(filepath.Base(dir)); err != nil {
		return false
	}
	_, err := os.Stat(filepath.Join(dir, "meta.json"))
	return err == nil
}

// commit replaces the old blocks with the new ones and returns their
// paths and total size.
func (o *output) commit(blocks []string) ([]string, int64, error) {
	for _, name := range o.old {
		if err := os.RemoveAll(filepath.Join(o.dir, name)); err != nil {
			return nil, 0, fmt.Errorf("removing the previous block %s: %w", name, err)
		}
	}
	var paths []string
	var size int64
	for _, id := range blocks {
		dest := filepath.Join(o.dir, id)
		if err := os.Rename(filepath.Join(o.tmp, id), dest); err != nil {
			return nil, 0, err
		}
		paths = append(paths, dest)
		err := filepath.WalkDir(dest, func(_ string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			info, err := d.Info()
			if err == nil {
				size += info.Size()
			}
			return err
		})
		if err != nil {
			return nil, 0, err
		}
	}
	return paths, size, nil
}

// cleanup removes the temporary directory and whatever is left in it.
func (o *output) cleanup() { _ = os.RemoveAll(o.tmp) }
