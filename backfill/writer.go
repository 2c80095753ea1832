package backfill

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"

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

	bw       *tsdb.BlockWriter
	start    int64 // start of the open block's range, in ms
	appended bool
	blocks   []string
	b        labels.ScratchBuilder
}

// instant appends one instant's samples and returns how many it wrote.
func (w *writer) instant(ctx context.Context, at int64, c *collector.Collector) (int64, error) {
	start := at - at%w.blockMs
	if w.bw == nil || start != w.start {
		if err := w.flush(ctx); err != nil {
			return 0, err
		}
		bw, err := tsdb.NewBlockWriter(w.logger, w.dir, w.blockMs)
		if err != nil {
			return 0, err
		}
		w.bw, w.start, w.appended = bw, start, false
	}
	app := w.bw.Appender(ctx)
	var n int64
	err := c.Each(func(s *collector.Sample) error {
		w.b.Reset()
		w.b.Add(labels.MetricName, s.Metric)
		for i, name := range s.Names {
			// An empty label value is no label, as when Prometheus scrapes.
			if s.Values[i] != "" {
				w.b.Add(name, s.Values[i])
			}
		}
		var clash error
		w.extra.Range(func(l labels.Label) {
			for _, name := range s.Names {
				if name == l.Name {
					clash = fmt.Errorf("label %s is one of %s's own labels", l.Name, s.Metric)
				}
			}
			w.b.Add(l.Name, l.Value)
		})
		if clash != nil {
			return clash
		}
		w.b.Sort()
		if _, err := app.Append(0, w.b.Labels(), at, s.Value); err != nil {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		_ = app.Rollback()
		return 0, err
	}
	if err := app.Commit(); err != nil {
		return 0, err
	}
	w.appended = w.appended || n > 0
	return n, nil
}

// flush writes the open block, if it holds anything, and closes it.
func (w *writer) flush(ctx context.Context) error {
	if w.bw == nil {
		return nil
	}
	defer w.close()
	if !w.appended {
		return nil
	}
	id, err := w.bw.Flush(ctx)
	if err != nil && !errors.Is(err, tsdb.ErrNoSeriesAppended) {
		return fmt.Errorf("writing a block: %w", err)
	}
	if err == nil {
		w.blocks = append(w.blocks, id.String())
	}
	return nil
}

// close drops the open block without writing it.
func (w *writer) close() {
	if w.bw != nil {
		_ = w.bw.Close()
		w.bw = nil
	}
}
