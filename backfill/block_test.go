package backfill

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"

	"github.com/retention-exporter/retention_exporter/collector"
)

// TestBlockReadsBack writes a block whose series have more samples than
// a chunk holds, come and go, and include NaN and ±Inf, then opens it
// with Prometheus's block reader and checks every sample and chunk.
func TestBlockReadsBack(t *testing.T) {
	const hour = int64(3_600_000)
	b := newBlock(0)
	want := map[string][][2]float64{} // series -> (t, v)
	values := []float64{1, 1, 0.5, math.NaN(), math.Inf(1), math.Inf(-1), 0, -3.25}
	h := newHasher()
	for i := range 300 {
		at := 1_700_000_000_000 + int64(i)*hour
		for s := range 5 {
			// Series s is absent on one hour in s+2, and series 4 only
			// starts half way.
			if i%(s+2) == 0 || (s == 4 && i < 150) {
				continue
			}
			smp := sample(s)
			id := h.id(smp)
			k, ok := b.index[id]
			if !ok {
				lset := labels.FromStrings("__name__", smp.Metric, smp.Names[0], smp.Values[0])
				k = b.add(id, lset)
			}
			v := values[(i+s)%len(values)]
			if err := b.append(k, at, v); err != nil {
				t.Fatal(err)
			}
			key := b.series[k].lset.String()
			want[key] = append(want[key], [2]float64{float64(at), v})
		}
	}
	if err := b.append(0, 1_700_000_000_000+299*hour, 1); err == nil || !strings.Contains(err.Error(), "second sample") {
		t.Errorf("a second sample at one instant: got %v", err)
	}

	dir := t.TempDir()
	id, err := b.write(context.Background(), dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	blk, err := tsdb.OpenBlock(nil, filepath.Join(dir, id), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer blk.Close()
	meta := blk.Meta()
	var samples, chunks uint64
	for _, s := range want {
		samples += uint64(len(s))
		chunks += uint64((len(s) + samplesPerChunk - 1) / samplesPerChunk)
	}
	if meta.Stats.NumSeries != 5 || meta.Stats.NumSamples != samples || meta.MinTime != 1_700_000_000_000+hour ||
		meta.MaxTime != 1_700_000_000_000+299*hour+1 || meta.Compaction.Level != 1 {
		t.Errorf("meta: %+v, want 5 series, %d samples", meta, samples)
	}

	q, err := tsdb.NewBlockQuerier(blk, math.MinInt64, math.MaxInt64)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	got := map[string][][2]float64{}
	set := q.Select(context.Background(), true, nil, labels.MustNewMatcher(labels.MatchRegexp, "__name__", ".+"))
	for set.Next() {
		s := set.At()
		it := s.Iterator(nil)
		for it.Next() == chunkenc.ValFloat {
			at, v := it.At()
			got[s.Labels().String()] = append(got[s.Labels().String()], [2]float64{float64(at), v})
		}
		if it.Err() != nil {
			t.Fatal(it.Err())
		}
	}
	if set.Err() != nil {
		t.Fatal(set.Err())
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("read back:\n%v\nwant\n%v", got, want)
	}

	// Chunks are cut as Prometheus cuts them: at most 120 samples each.
	if meta.Stats.NumChunks != chunks {
		t.Errorf("%d chunks, want %d", meta.Stats.NumChunks, chunks)
	}
	if _, err := os.Stat(filepath.Join(dir, id, "meta.json.tmp")); !os.IsNotExist(err) {
		t.Errorf("meta.json.tmp left behind: %v", err)
	}
}

func sample(s int) *collector.Sample {
	return &collector.Sample{Metric: "m", Names: []string{"client"}, Values: []string{fmt.Sprintf("c%d", s)}}
}

// BenchmarkBlock appends a day a sample to series labelled like the
// client series for a block's 20 days, writes the block, and reports the
// heap the block held before it was written, per series.
func BenchmarkBlock(b *testing.B) {
	const series, days = 100_000, 20
	ids := newHasher()
	smp := &collector.Sample{Metric: "retention_client_health_score",
		Names: []string{"client", "client_id", "segment", "account_manager", "instance", "job"}}
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		blk := newBlock(0)
		for d := range days {
			at := int64(d) * 86_400_000
			for s := range series {
				smp.Values = []string{fmt.Sprintf("Client %d Holdings", s), strconv.Itoa(s), "smb", "Jordan Example", "exporter:9187", "retention"}
				id := ids.id(smp)
				k, ok := blk.index[id]
				if !ok {
					k = blk.add(id, labels.FromStrings("__name__", smp.Metric, "client", smp.Values[0], "client_id", smp.Values[1],
						"segment", smp.Values[2], "account_manager", smp.Values[3], "instance", smp.Values[4], "job", smp.Values[5]))
				}
				if err := blk.append(k, at, float64(s%100)/100+float64(d/7)); err != nil {
					b.Fatal(err)
				}
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/series, "heap-bytes/series")
		if _, err := blk.write(context.Background(), b.TempDir(), slog.New(slog.DiscardHandler)); err != nil {
			b.Fatal(err)
		}
	}
}
