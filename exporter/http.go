package exporter

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

var contentType = string(expfmt.NewFormat(expfmt.TypeTextPlain))

// gzipWriters recycles compressors: each holds hundreds of kilobytes of
// state, too much to allocate on every scrape.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return zw
}}

// ServeHTTP serves the latest snapshot followed by the exporter's own
// metrics. It never touches a database and never waits for a refresh.
// With gzip the two parts are two gzip members, which every gzip reader
// (Prometheus included) reads as one stream.
func (e *Exporter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	snap := e.snapshot.Load()
	var own bytes.Buffer
	if err := writeText(&own, e.registry); err != nil {
		http.Error(w, "exporter metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	rt, err := e.runtime.get(time.Now())
	if err != nil {
		http.Error(w, "runtime metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	own.Write(rt)
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Add("Vary", "Accept-Encoding")
	if !acceptsGzip(r) {
		e.servePlain(w, r, snap, own.Bytes())
		return
	}
	var gz bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&gz)
	_, _ = zw.Write(own.Bytes())
	_ = zw.Close()
	gzipWriters.Put(zw)
	h.Set("Content-Encoding", "gzip")
	// A declared length lets a client tell a complete response from a cut one.
	h.Set("Content-Length", strconv.Itoa(len(snap.Gzip)+gz.Len()))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := w.Write(snap.Gzip); err != nil {
		return
	}
	_, _ = w.Write(gz.Bytes())
}

// servePlain decompresses the snapshot into the response: plain scrapes
// are rare (a person with curl), and holding a plain copy would cost ten
// times the memory of the gzip one.
func (e *Exporter) servePlain(w http.ResponseWriter, r *http.Request, snap *Snapshot, own []byte) {
	zr, err := gzip.NewReader(bytes.NewReader(snap.Gzip))
	if err != nil {
		http.Error(w, "reading snapshot: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(snap.PlainLen+len(own)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, zr); err != nil {
		return
	}
	_, _ = w.Write(own)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && !strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") {
			return true
		}
	}
	return false
}

func writeText(w io.Writer, g prometheus.Gatherer) error {
	mfs, err := g.Gather()
	if err != nil {
		return err
	}
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(w, mf); err != nil {
			return err
		}
	}
	return nil
}

// cachedText renders a gatherer at most once per ttl. The Go and process
// metrics read /proc and cost more than serving the whole snapshot; many
// scrapers a second need not read them again each time.
type cachedText struct {
	gatherer prometheus.Gatherer
	ttl      time.Duration

	mu   sync.Mutex
	at   time.Time
	text []byte
}

func (c *cachedText) get(now time.Time) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.text != nil && now.Sub(c.at) < c.ttl {
		return c.text, nil
	}
	var b bytes.Buffer
	if err := writeText(&b, c.gatherer); err != nil {
		return nil, err
	}
	c.text, c.at = b.Bytes(), now
	return c.text, nil
}
