package main

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func gzipped(t *testing.T, text string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestScrapeOnce: a whole body passes and reaches t.whole; a body
// without the last family, or shorter than declared, fails.
func TestScrapeOnce(t *testing.T) {
	text := "# TYPE a gauge\na 1\n# TYPE retention_source_up gauge\nretention_source_up{source=\"psa\"} 1\n"
	whole := gzipped(t, text)
	var body []byte
	cut := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			t.Errorf("Accept-Encoding %q", r.Header.Get("Accept-Encoding"))
		}
		if cut {
			// Declare more than is sent, as a cut response does.
			hj, _ := w.(http.Hijacker)
			conn, bw, _ := hj.Hijack()
			defer conn.Close()
			bw.WriteString("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 99999\r\n\r\n")
			bw.Write(body)
			bw.Flush()
			return
		}
		gzipBytes(body)(w, r)
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	var got []string
	tg := target{base: srv.URL, last: "retention_source_up", sized: true,
		whole: func(_ time.Time, text []byte) { got = append(got, string(text)) }}

	body = whole
	if _, n, err := scrapeOnce(client, tg, true, &bytes.Buffer{}); err != nil || n != len(whole) {
		t.Fatalf("whole body: %d bytes, %v", n, err)
	}
	if len(got) != 1 || got[0] != text {
		t.Errorf("t.whole got %q", got)
	}
	if _, _, err := scrapeOnce(client, tg, false, &bytes.Buffer{}); err != nil || len(got) != 1 {
		t.Errorf("unverified scrape: %v; t.whole called %d times", err, len(got))
	}

	body = gzipped(t, "# TYPE a gauge\na 1\n")
	if _, _, err := scrapeOnce(client, tg, true, &bytes.Buffer{}); err == nil {
		t.Error("a body without the last family passed")
	}

	body, cut = whole, true
	if _, _, err := scrapeOnce(client, tg, false, &bytes.Buffer{}); err == nil {
		t.Error("a body shorter than its Content-Length passed")
	}
}

func TestGzipBytes(t *testing.T) {
	body := []byte("not really gzip")
	rec := httptest.NewRecorder()
	gzipBytes(body)(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	h := rec.Header()
	if h.Get("Content-Encoding") != "gzip" || h.Get("Content-Length") != "15" || !bytes.Equal(rec.Body.Bytes(), body) {
		t.Errorf("headers %v, body %q", h, rec.Body.Bytes())
	}
}
