package backfill

import (
	"context"
	"fmt"
	"hash/maphash"
	"log/slog"
	"math"
	"os"
	"slices"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"

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

	head     *tsdb.Head
	chunkDir string // the head's own directory, removed with it
	start    int64  // start of the open block's range, in ms
	appended bool
	blocks   []string
	b        labels.ScratchBuilder
	// seen holds the series of the previous instant in the order they
	// came. One instant's samples come in the order of the last one's,
	// but for the series that came or went, so most samples find their
	// series there without building labels or a lookup in the head.
	seen, next []series
	ids        *hasher
}

// series is a series the writer has appended to: the id of its metric
// name and label values, and its reference in the open block.
type series struct {
	id  seriesID
	ref storage.SeriesRef // 0 when not yet in the open block
}

// seriesID is two independent 64-bit hashes of a series' metric name and
// label values. 128 bits make two series of a backfill sharing one far
// less likely than a memory fault, and keep no key string per series: at
// 20,000 clients those strings were 60 MB of the heap.
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
	if w.head == nil || start != w.start {
		if err := w.flush(ctx); err != nil {
			return 0, err
		}
		if err := w.open(); err != nil {
			return 0, err
		}
		w.start, w.appended = start, false
		for i := range w.seen {
			w.seen[i].ref = 0
		}
	}
	app := w.head.Appender(ctx)
	var n int64
	next := w.next[:0]
	j := 0 // the previous instant's series the next sample most likely is
	err := c.Each(func(s *collector.Sample) error {
		known := series{id: w.ids.id(s)}
		if k := w.find(j, known.id); k >= 0 {
			known, j = w.seen[k], k+1
		}
		lset := labels.EmptyLabels() // the head finds a known series by its reference
		if known.ref == 0 {
			var err error
			if lset, err = w.labels(s); err != nil {
				return err
			}
		}
		ref, err := app.Append(known.ref, lset, at, s.Value)
		if err != nil {
			return err
		}
		known.ref = ref
		next = append(next, known)
		n++
		if n%commitEvery == 0 {
			// A commit per batch bounds the appender's pending samples.
			if err := app.Commit(); err != nil {
				return err
			}
			app = w.head.Appender(ctx)
		}
		return nil
	})
	if err != nil {
		_ = app.Rollback()
		return 0, err
	}
	if err := app.Commit(); err != nil {
		return 0, err
	}
	w.seen, w.next = next, w.seen
	w.appended = w.appended || n > 0
	return n, nil
}

// lookAhead is how many of the previous instant's series find skips over
// to match a sample: the series of clients that went since.
const lookAhead = 64

// find returns the position of a series among the previous instant's,
// looking from j on, or -1.
func (w *writer) find(j int, id seriesID) int {
	for k := j; k < len(w.seen) && k < j+lookAhead; k++ {
		if w.seen[k].id == id {
			return k
		}
	}
	return -1
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

// commitEvery is how many samples an appender takes before a commit.
const commitEvery = 1 << 16

// open starts an in-memory head for the next block, as tsdb.BlockWriter
// does, but without isolation: the backfill is the head's only reader
// and writer, and isolation would keep a ring of appends per series.
func (w *writer) open() error {
	dir, err := os.MkdirTemp("", "retention-backfill-head-")
	if err != nil {
		return err
	}
	opts := tsdb.DefaultHeadOptions()
	opts.ChunkRange = w.blockMs
	opts.ChunkDirRoot = dir
	opts.IsolationDisabled = true
	head, err := tsdb.NewHead(nil, w.logger, nil, nil, opts, nil)
	if err == nil {
		err = head.Init(math.MinInt64)
	}
	if err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("starting a block: %w", err)
	}
	w.head, w.chunkDir = head, dir
	return nil
}

// flush writes the open block, if it holds anything, and closes it.
func (w *writer) flush(ctx context.Context) error {
	if w.head == nil {
		return nil
	}
	defer w.close()
	if !w.appended {
		return nil
	}
	compactor, err := tsdb.NewLeveledCompactor(ctx, nil, w.logger, []int64{w.blockMs}, chunkenc.NewPool(), nil)
	if err != nil {
		return fmt.Errorf("writing a block: %w", err)
	}
	// Block ranges are half-open: [mint, maxt).
	ids, err := compactor.Write(w.dir, w.head, w.head.MinTime(), w.head.MaxTime()+1, nil)
	if err != nil {
		return fmt.Errorf("writing a block: %w", err)
	}
	// A head that took samples always makes a block.
	for _, id := range ids {
		w.blocks = append(w.blocks, id.String())
	}
	return nil
}

// close drops the open block without writing it.
func (w *writer) close() {
	if w.head != nil {
		_ = w.head.Close()
		_ = os.RemoveAll(w.chunkDir)
		w.head = nil
	}
}
