package exporter

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/common/promslog"
)

var negotiateCases = []struct {
	header string
	want   encoding
}{
	{"gzip;q=0.5", encodingGzip},
	{"*", encodingGzip},
	{"*;q=0", encodingNone},
	{"identity;q=0", encodingNone}, // gzip not listed either
	{"gzip;q=0, identity", encodingIdentity},
	{"br, gzip;q=0.8", encodingGzip},
	{"deflate, gzip;q=0.001", encodingGzip},
	{"GZIP", encodingGzip},
	{"", encodingIdentity},
	{"gzip;q=1.0", encodingGzip},

	{"gzip", encodingGzip},
	{"gzip;q=0", encodingIdentity},
	{"gzip;q=0.0", encodingIdentity},
	{"gzip;q=0.000", encodingIdentity},
	{"gzip;q=1", encodingGzip},
	{"gzip ; q = 0", encodingIdentity},
	{"gzip\t;\tq=0.5", encodingGzip},
	{"gzip;Q=0", encodingIdentity},
	{"x-gzip", encodingGzip},
	{"br", encodingIdentity},
	{"identity", encodingIdentity},
	{"IDENTITY;q=0, *;q=0.5", encodingGzip},
	{"gzip;q=0.5, identity", encodingIdentity},
	{"gzip;q=0.5, identity;q=0.5", encodingGzip},
	{"gzip;q=0.4, identity;q=0.5", encodingIdentity},
	{"gzip;q=0.5, *", encodingIdentity}, // '*' weighs identity at 1
	{"gzip, *;q=0", encodingGzip},
	{"identity, *;q=0", encodingIdentity},
	{"gzip;q=0, *", encodingIdentity},
	{"*;q=0, identity;q=0.1", encodingIdentity},
	{"gzip;q=0, identity;q=0", encodingNone},
	{"deflate, gzip;q=1.0, *;q=0.5", encodingGzip},
	{" , gzip ,", encodingGzip},
	{"gzip;level=9", encodingGzip},
	// Invalid weights drop their element rather than guess.
	{"gzip;q=0.5000", encodingIdentity},
	{"gzip;q=1.5", encodingIdentity},
	{"gzip;q=1.001", encodingIdentity},
	{"gzip;q=2", encodingIdentity},
	{"gzip;q=1e-3", encodingIdentity},
	{"gzip;q=", encodingIdentity},
	{"gzip;q=.5", encodingIdentity},
	{"gzip;q=-0", encodingIdentity},
	{"gzip;q=0.5x", encodingIdentity},
	{"identity;q=zero", encodingIdentity},
}

func (e encoding) String() string {
	return [...]string{"identity", "gzip", "none (406)"}[e]
}

func TestNegotiateEncoding(t *testing.T) {
	for _, c := range negotiateCases {
		if got := negotiateEncoding([]string{c.header}); got != c.want {
			t.Errorf("Accept-Encoding %q: got %s, want %s", c.header, got, c.want)
		}
	}
	if got := negotiateEncoding(nil); got != encodingIdentity {
		t.Errorf("no Accept-Encoding: got %s, want identity", got)
	}
	// Field lines combine as one list; the first weight of a coding counts.
	if got := negotiateEncoding([]string{"identity;q=0", "gzip;q=0.2"}); got != encodingGzip {
		t.Errorf("two field lines: got %s, want gzip", got)
	}
	if got := negotiateEncoding([]string{"gzip;q=0", "gzip"}); got != encodingIdentity {
		t.Errorf("gzip refused, then listed: got %s, want identity", got)
	}
}

func TestParseQValue(t *testing.T) {
	for s, want := range map[string]int{
		"0": 0, "0.": 0, "0.0": 0, "0.000": 0, "0.001": 1, "0.5": 500, "0.05": 50,
		"0.999": 999, "1": 1000, "1.": 1000, "1.0": 1000, "1.000": 1000,
	} {
		if got, ok := parseQValue(s); !ok || got != want {
			t.Errorf("parseQValue(%q) = %d, %v; want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"", ".5", "0.0000", "1.1", "1.0001", "2", "-1", "0,5", "0.5 ", "01", "1e0", "NaN", "0x1p-1"} {
		if got, ok := parseQValue(s); ok {
			t.Errorf("parseQValue(%q) = %d, accepted", s, got)
		}
	}
}

// TestServeNegotiated checks the wire: a gzip stream, the plain text, or
// 406, with Vary on every answer.
func TestServeNegotiated(t *testing.T) {
	e := New(testConfig(t, ""), &fakePSA{clients: 5, segment: "smb"}, nil, promslog.NewNopLogger())
	e.Refresh(context.Background(), t0)
	want := snapshotText(t, e)
	srv := httptest.NewServer(e)
	defer srv.Close()

	for _, c := range negotiateCases {
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", c.header)
		// No automatic decompression: the test sees the wire.
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("%q: Vary %q", c.header, resp.Header.Get("Vary"))
		}
		ce := resp.Header.Get("Content-Encoding")
		switch c.want {
		case encodingNone:
			if resp.StatusCode != http.StatusNotAcceptable || ce != "" {
				t.Errorf("%q: status %d, Content-Encoding %q; want 406 unencoded", c.header, resp.StatusCode, ce)
			}
			continue
		case encodingGzip:
			if ce != "gzip" {
				t.Errorf("%q: Content-Encoding %q, want gzip", c.header, ce)
				continue
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Errorf("%q: not a gzip stream: %v", c.header, err)
				continue
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Errorf("%q: reading gzip: %v", c.header, err)
				continue
			}
		case encodingIdentity:
			if ce != "" {
				t.Errorf("%q: Content-Encoding %q, want none", c.header, ce)
				continue
			}
		}
		if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(body, want) {
			t.Errorf("%q: status %d, body does not start with the snapshot", c.header, resp.StatusCode)
		}
	}
}
