package exporter

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/common/expfmt"
)

var contentType = string(expfmt.NewFormat(expfmt.TypeTextPlain))

// ServeHTTP serves the latest snapshot, the exporter's own metrics, and
// the Go and process metrics (at most a second old). Each part is
// rendered and compressed once, not per scrape: a scrape writes bytes.
// It never touches a database and never waits for a refresh. With gzip
// the parts are gzip members, which every gzip reader (Prometheus
// included) reads as one stream. A client that accepts neither gzip nor
// identity gets 406.
func (e *Exporter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	enc := negotiateEncoding(r.Header.Values("Accept-Encoding"))
	if enc == encodingNone {
		http.Error(w, "neither gzip nor identity is acceptable", http.StatusNotAcceptable)
		return
	}
	snap := e.snapshot.Load()
	now := time.Now()
	own, err := e.own.get(now, e.ownVersion.Load())
	if err != nil {
		http.Error(w, "exporter metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	rt, err := e.runtime.get(now, 0)
	if err != nil {
		http.Error(w, "runtime metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h.Set("Content-Type", contentType)
	if enc == encodingIdentity {
		servePlain(w, r, snap, own, rt)
		return
	}
	h.Set("Content-Encoding", "gzip")
	// A declared length lets a client tell a complete response from a cut one.
	h.Set("Content-Length", strconv.Itoa(len(snap.Gzip)+len(own.gzip)+len(rt.gzip)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	for _, b := range [][]byte{snap.Gzip, own.gzip, rt.gzip} {
		if _, err := w.Write(b); err != nil {
			return
		}
	}
}

// servePlain decompresses the snapshot into the response: plain scrapes
// are rare (a person with curl), and holding a plain copy would cost ten
// times the memory of the gzip one.
func servePlain(w http.ResponseWriter, r *http.Request, snap *Snapshot, own, rt part) {
	zr, err := gzip.NewReader(bytes.NewReader(snap.Gzip))
	if err != nil {
		http.Error(w, "reading snapshot: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(snap.PlainLen+len(own.plain)+len(rt.plain)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, zr); err != nil {
		return
	}
	if _, err := w.Write(own.plain); err != nil {
		return
	}
	_, _ = w.Write(rt.plain)
}
