package exporter

import (
	"bytes"
	"compress/gzip"

	"github.com/retention-exporter/retention_exporter/collector"
	"github.com/retention-exporter/retention_exporter/model"
)

// publish computes the result from the current facts, renders it once as
// plain and gzip text, and swaps it in: a scrape sees all of one refresh.
func (e *Exporter) publish() {
	res := model.Compute(e.cfg, e.psaFacts, e.billingFacts)
	c := collector.New(res, collector.Options{
		ComponentScores: e.cfg.Series.ComponentScores,
		Contracts:       e.cfg.Series.Contracts,
	})
	var plain bytes.Buffer
	// The last snapshot's size is a good guess: growing a buffer of
	// megabytes step by step costs more than rendering into it.
	if prev := e.snapshot.Load(); prev != nil {
		plain.Grow(len(prev.Plain) + len(prev.Plain)/8)
	}
	if err := c.Render(&plain); err != nil {
		// Rendering const gauges of sanitised values cannot fail; if it
		// ever does, keep serving the previous snapshot rather than part of one.
		e.logger.Error("rendering metrics failed; keeping the previous snapshot", "err", err)
		return
	}
	var gz bytes.Buffer
	gz.Grow(plain.Len() / 8)
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	_, _ = zw.Write(plain.Bytes())
	_ = zw.Close()
	e.snapshot.Store(&Snapshot{Plain: plain.Bytes(), Gzip: gz.Bytes(), Series: countSamples(plain.Bytes())})
}

// countSamples counts the sample lines of a text exposition.
func countSamples(b []byte) int {
	n := 0
	for line := range bytes.Lines(b) {
		if len(line) > 0 && line[0] != '#' {
			n++
		}
	}
	return n
}
