package exporter

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/retention-exporter/retention_exporter/collector"
	"github.com/retention-exporter/retention_exporter/model"
)

// Snapshot is one refresh's exposition, rendered once and kept only
// gzipped: Prometheus asks for gzip, and the plain text of a large
// tenant is ten times the size. A plain scrape decompresses it.
type Snapshot struct {
	Gzip     []byte
	PlainLen int // length of the text Gzip holds
	Series   int // samples, for sizing
}

// Text returns the snapshot's exposition text.
func (s *Snapshot) Text() ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(s.Gzip))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// publish computes the result from the current facts, renders it once
// straight into gzip, and swaps it in: a scrape sees all of one refresh.
// The families are rendered in parallel, each share into its own gzip
// member; the members in a row are one gzip stream. It returns the new
// snapshot, or nil when the previous one stays.
func (e *Exporter) publish() *Snapshot {
	res := model.Compute(e.cfg.Params(), e.psaFacts, e.billingFacts)
	c := collector.New(res, collector.Options{
		ComponentScores: e.cfg.Series.ComponentScores,
		Contracts:       e.cfg.Series.Contracts,
	})
	shares := c.Split(runtime.GOMAXPROCS(0))
	members := make([]member, len(shares))
	var wg sync.WaitGroup
	for i, share := range shares {
		wg.Go(func() { members[i] = renderGzip(share) })
	}
	wg.Wait()
	snap := &Snapshot{}
	size := 0
	for _, m := range members {
		if m.err != nil {
			// Writing to memory cannot fail; if it ever does, keep serving
			// the previous snapshot rather than part of one.
			e.logger.Error("rendering metrics failed; keeping the previous snapshot", "err", m.err)
			return nil
		}
		size += len(m.gzip)
	}
	snap.Gzip = make([]byte, 0, size)
	for _, m := range members {
		snap.Gzip = append(snap.Gzip, m.gzip...)
		snap.PlainLen += m.plainLen
		snap.Series += m.series
	}
	e.snapshot.Store(snap)
	return snap
}

// member is one share of the families, rendered as one gzip member.
type member struct {
	gzip     []byte
	plainLen int
	series   int
	err      error
}

func renderGzip(c *collector.Collector) member {
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	counted := &countingWriter{w: zw}
	bw := bufio.NewWriterSize(counted, 64<<10)
	series, err := c.Render(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = zw.Close()
	}
	return member{gzip: gz.Bytes(), plainLen: counted.n, series: series, err: err}
}

// part is a short piece of exposition kept both plain and gzipped, so
// that serving it costs a write and nothing else.
type part struct{ plain, gzip []byte }

func newPart(g prometheus.Gatherer) (part, error) {
	mfs, err := g.Gather()
	if err != nil {
		return part{}, err
	}
	var plain bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&plain, mf); err != nil {
			return part{}, err
		}
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	_, _ = zw.Write(plain.Bytes())
	_ = zw.Close()
	return part{plain: plain.Bytes(), gzip: gz.Bytes()}, nil
}

// cachedPart renders a gatherer again only when the caller's version of
// its metrics has changed or, with a ttl, when the rendering is older
// than that. Many scrapers a second then cost a write each, not a gather
// and a compression each.
type cachedPart struct {
	gatherer prometheus.Gatherer
	ttl      time.Duration // 0: only a new version renders again

	mu      sync.Mutex
	at      time.Time
	version uint64
	part    part
}

// get returns the rendering for version; callers bump the version after
// changing a metric, so a rendering started before the change is never
// kept for the new version.
func (c *cachedPart) get(now time.Time, version uint64) (part, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.part.gzip != nil && version == c.version && (c.ttl == 0 || now.Sub(c.at) < c.ttl) {
		return c.part, nil
	}
	p, err := newPart(c.gatherer)
	if err != nil {
		return part{}, err
	}
	c.part, c.at, c.version = p, now, version
	return p, nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}
