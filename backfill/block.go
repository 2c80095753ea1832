package backfill

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/oklog/ulid/v2"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/prometheus/prometheus/tsdb/index"
	"github.com/prometheus/prometheus/tsdb/tombstones"
)

// block gathers the samples of one block's time range, each series' as
// compressed chunks, and writes them with Prometheus's own index and
// chunk writers. It keeps no more than a block needs: a TSDB head, which
// serves queries and appends from many writers, took several times the
// memory for the same series.
type block struct {
	index      map[seriesID]int32
	series     []blockSeries
	mint, maxt int64
	samples    uint64
}

// blockSeries is one series of a block: its finished chunks and the one
// being appended to.
type blockSeries struct {
	lset labels.Labels
	done []chunks.Meta
	open *chunkenc.XORChunk
	app  chunkenc.Appender
	// mint and maxt are the open chunk's first and last timestamps.
	mint, maxt int64
}

// samplesPerChunk is where a chunk is cut, as Prometheus's head cuts it.
const samplesPerChunk = 120 // tsdb.DefaultSamplesPerChunk

func newBlock(size int) *block {
	return &block{index: make(map[seriesID]int32, size)}
}

// add makes a series known to the block and returns its position.
func (b *block) add(id seriesID, lset labels.Labels) int32 {
	k := int32(len(b.series))
	b.series = append(b.series, blockSeries{lset: lset})
	b.index[id] = k
	return k
}

// append adds a sample to the k-th series. Instants come in time order,
// so a sample not after the series' last one is a second sample of the
// series at one instant.
func (b *block) append(k int32, t int64, v float64) error {
	s := &b.series[k]
	if s.open != nil && t <= s.maxt {
		return fmt.Errorf("a second sample at %d", t)
	}
	if s.open != nil && s.open.NumSamples() >= samplesPerChunk {
		s.cut()
	}
	if s.open == nil {
		s.open = chunkenc.NewXORChunk()
		app, err := s.open.Appender()
		if err != nil {
			return err
		}
		s.app, s.mint = app, t
	}
	s.app.Append(0, t, v)
	s.maxt = t
	if b.samples == 0 || t < b.mint {
		b.mint = t
	}
	b.maxt = max(b.maxt, t)
	b.samples++
	return nil
}

// cut finishes the open chunk.
func (s *blockSeries) cut() {
	s.open.Compact()
	s.done = append(s.done, chunks.Meta{Chunk: s.open, MinTime: s.mint, MaxTime: s.maxt})
	s.open, s.app = nil, nil
}

// write writes the block into a directory under dir named by its ULID,
// which it returns. The meta file comes last: a directory without one is
// not a block to Prometheus.
func (b *block) write(ctx context.Context, dir string, logger *slog.Logger) (string, error) {
	id := ulid.MustNew(ulid.Now(), rand.Reader)
	bdir := filepath.Join(dir, id.String())
	if err := os.MkdirAll(bdir, 0o777); err != nil {
		return "", err
	}

	// The index wants its series sorted by label set, and every label
	// name and value, sorted, before them.
	order := make([]int32, len(b.series))
	symbols := map[string]struct{}{}
	for k := range b.series {
		order[k] = int32(k)
		b.series[k].lset.Range(func(l labels.Label) {
			symbols[l.Name] = struct{}{}
			symbols[l.Value] = struct{}{}
		})
	}
	slices.SortFunc(order, func(i, j int32) int { return labels.Compare(b.series[i].lset, b.series[j].lset) })

	chunkw, err := chunks.NewWriter(filepath.Join(bdir, "chunks"))
	if err != nil {
		return "", err
	}
	indexw, err := index.NewWriter(ctx, filepath.Join(bdir, "index"))
	if err != nil {
		return "", errors.Join(err, chunkw.Close())
	}
	meta := &blockMeta{ULID: id, MinTime: b.mint, MaxTime: b.maxt + 1, Version: 1}
	meta.Compaction.Level = 1
	meta.Compaction.Sources = []ulid.ULID{id}
	err = b.fill(ctx, chunkw, indexw, slices.Sorted(maps.Keys(symbols)), order, &meta.Stats)
	if err = errors.Join(err, chunkw.Close(), indexw.Close()); err != nil {
		return "", err
	}
	if _, err := tombstones.WriteFile(logger, bdir, tombstones.NewMemTombstones()); err != nil {
		return "", err
	}
	return id.String(), writeMeta(bdir, meta)
}

// fill writes the symbols, then each series' chunks and index entry.
func (b *block) fill(ctx context.Context, chunkw *chunks.Writer, indexw *index.Writer, symbols []string, order []int32, st *blockStats) error {
	for _, s := range symbols {
		if err := indexw.AddSymbol(s); err != nil {
			return err
		}
	}
	for ref, k := range order {
		if ref%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		s := &b.series[k]
		if s.open != nil {
			s.cut()
		}
		if err := chunkw.WriteChunks(s.done...); err != nil {
			return err
		}
		if err := indexw.AddSeries(storage.SeriesRef(ref), s.lset, s.done...); err != nil {
			return err
		}
		for _, c := range s.done {
			st.NumSamples += uint64(c.Chunk.NumSamples())
		}
		st.NumChunks += uint64(len(s.done))
		s.done = nil // written; the chunks can go
	}
	st.NumSeries = uint64(len(order))
	st.NumFloatSamples = st.NumSamples
	if st.NumSamples != b.samples {
		return fmt.Errorf("wrote %d samples of %d", st.NumSamples, b.samples)
	}
	return nil
}

// blockMeta is a block's meta.json, in the format of Prometheus's
// tsdb.BlockMeta; the tsdb package itself would link its whole database,
// and with it cloud SDKs, into the exporter.
type blockMeta struct {
	ULID       ulid.ULID  `json:"ulid"`
	MinTime    int64      `json:"minTime"`
	MaxTime    int64      `json:"maxTime"`
	Stats      blockStats `json:"stats,omitempty"`
	Compaction struct {
		Level   int         `json:"level"`
		Sources []ulid.ULID `json:"sources,omitempty"`
	} `json:"compaction"`
	Version int `json:"version"`
}

type blockStats struct {
	NumSamples      uint64 `json:"numSamples,omitempty"`
	NumFloatSamples uint64 `json:"numFloatSamples,omitempty"`
	NumSeries       uint64 `json:"numSeries,omitempty"`
	NumChunks       uint64 `json:"numChunks,omitempty"`
}

// writeMeta writes meta.json as Prometheus does: to a temporary file,
// synced, then renamed.
func writeMeta(dir string, meta *blockMeta) error {
	data, err := json.MarshalIndent(meta, "", "\t")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "meta.json.tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	err = cmp.Or(err, f.Sync(), f.Close())
	if err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "meta.json"))
}
