package backfill

import (
	"context"
	"fmt"
	"hash/maphash"
	"log/slog"
	"slices"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/retention-exporter/retention_exporter/collector"
)

// writer appends each instant's samples to the block of its time range
// and writes a block out when the instants move past its range. Ranges
// are aligned to multiples of the block duration since the epoch, as
// Prometheus aligns the blocks it compacts.
type writer struct {
	dir     string
	blockMs int64
	logger  *slog.Logger // for the TSDB's own messages
	extra   labels.Labels

	open   *block // nil until the first sample, and after a flush
	start  int64  // start of the open block's range, in ms
	blocks []string
	b      labels.ScratchBuilder
	ids    *hasher
}

// seriesID is two independent 64-bit hashes of a series' metric name and
// label values. 128 bits make two series of a backfill sharing one far
// less likely than a memory fault, and keep no key string per series.
type seriesID struct{ a, b uint64 }

const sep = '\xff' // in no metric name, and in no valid UTF-8 label value

// hasher makes series ids; its two hashes have their own seeds.
type hasher struct{ a, b maphash.Hash }

func newHasher() *hasher {
	h := &hasher{}
	h.a.SetSeed(maphash.MakeSeed())
	h.b.SetSeed(maphash.MakeSeed())
	return h
}

func (h *hasher) id(s *collector.Sample) seriesID {
	for _, x := range []*maphash.Hash{&h.a, &h.b} {
		x.Reset()
		x.WriteString(s.Metric)
		for _, v := range s.Values {
			x.WriteByte(sep)
			x.WriteString(v)
		}
	}
	return seriesID{h.a.Sum64(), h.b.Sum64()}
}

// instant appends one instant's samples and returns how many it wrote.
func (w *writer) instant(ctx context.Context, at int64, c *collector.Collector) (int64, error) {
	start := at - at%w.blockMs
	if w.open == nil || start != w.start {
		size := 0
		if w.open != nil {
			size = len(w.open.series)
		}
		if err := w.flush(ctx); err != nil {
			return 0, err
		}
		w.open, w.start = newBlock(size), start
	}
	var n int64
	err := c.Each(func(s *collector.Sample) error {
		id := w.ids.id(s)
		k, ok := w.open.index[id]
		if !ok {
			lset, err := w.labels(s)
			if err != nil {
				return err
			}
			k = w.open.add(id, lset)
		}
		if err := w.open.append(k, at, s.Value); err != nil {
			return fmt.Errorf("%s: %w", w.open.series[k].lset, err)
		}
		n++
		return nil
	})
	return n, err
}

// labels builds a sample's label set: its metric name, its labels but
// those with an empty value (no label, as when Prometheus scrapes), and
// the extra labels.
func (w *writer) labels(s *collector.Sample) (labels.Labels, error) {
	w.b.Reset()
	w.b.Add(model.MetricNameLabel, s.Metric)
	for i, name := range s.Names {
		if s.Values[i] != "" {
			w.b.Add(name, s.Values[i])
		}
	}
	var clash error
	w.extra.Range(func(l labels.Label) {
		if slices.Contains(s.Names, l.Name) {
			clash = fmt.Errorf("label %s is one of %s's own labels", l.Name, s.Metric)
		}
		w.b.Add(l.Name, l.Value)
	})
	if clash != nil {
		return labels.EmptyLabels(), clash
	}
	w.b.Sort()
	return w.b.Labels(), nil
}

// flush writes the open block, if it holds anything, and drops it.
func (w *writer) flush(ctx context.Context) error {
	b := w.open
	w.open = nil
	if b == nil || len(b.series) == 0 {
		return nil
	}
	id, err := b.write(ctx, w.dir, w.logger)
	if err != nil {
		return fmt.Errorf("writing a block: %w", err)
	}
	w.blocks = append(w.blocks, id)
	return nil
}
