package exporter

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/common/expfmt"
)

var contentType = string(expfmt.NewFormat(expfmt.TypeTextPlain))

// gzipWriters recycles compressors: each holds about a megabyte of state,
// too much to allocate on every scrape.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

// ServeHTTP serves the latest snapshot followed by the exporter's own
// metrics, rendered now. It never touches a database and never waits for
// a refresh. With gzip the two parts are two gzip members, which every
// gzip reader (Prometheus included) reads as one stream.
func (e *Exporter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	snap := e.snapshot.Load()
	mfs, err := e.registry.Gather()
	if err != nil {
		http.Error(w, "gathering exporter metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	var own bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&own, mf); err != nil {
			http.Error(w, "encoding exporter metrics: "+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	body, tail := snap.Plain, own.Bytes()
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Add("Vary", "Accept-Encoding")
	if acceptsGzip(r) {
		var gz bytes.Buffer
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&gz)
		_, _ = zw.Write(tail)
		_ = zw.Close()
		gzipWriters.Put(zw)
		body, tail = snap.Gzip, gz.Bytes()
		h.Set("Content-Encoding", "gzip")
	}
	// A declared length lets a client tell a complete response from a cut one.
	h.Set("Content-Length", strconv.Itoa(len(body)+len(tail)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := w.Write(body); err != nil {
		return
	}
	_, _ = w.Write(tail)
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
