package exporter

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"

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
func (e *Exporter) publish() {
	res := model.Compute(e.cfg, e.psaFacts, e.billingFacts)
	c := collector.New(res, collector.Options{
		ComponentScores: e.cfg.Series.ComponentScores,
		Contracts:       e.cfg.Series.Contracts,
	})
	var gz bytes.Buffer
	// The last snapshot's size is a good guess: growing a buffer of
	// megabytes step by step costs more than rendering into it.
	if prev := e.snapshot.Load(); prev != nil {
		gz.Grow(len(prev.Gzip) + len(prev.Gzip)/8)
	}
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
	if err != nil {
		// Writing to memory cannot fail; if it ever does, keep serving
		// the previous snapshot rather than part of one.
		e.logger.Error("rendering metrics failed; keeping the previous snapshot", "err", err)
		return
	}
	e.snapshot.Store(&Snapshot{Gzip: gz.Bytes(), PlainLen: counted.n, Series: series})
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
