package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// target is a server under test.
type target struct {
	base string
	// last is the metric family rendered last: a body holding it is whole.
	last string
	// sized: every response must declare its length. retention_exporter
	// does; promhttp, which prometheus-sql-exporter uses, streams gzip
	// chunked, and a cut chunked body fails to read.
	sized bool
	// whole, when set, is given the text of every body decompressed
	// whole, with the time its request was sent.
	whole func(sent time.Time, text []byte)
}

// look scrapes t once and decompresses the body whole, for t.whole.
func (t target) look() error {
	if t.whole == nil {
		return nil
	}
	_, _, err := scrapeOnce(http.DefaultClient, t, true, &bytes.Buffer{})
	return err
}

// sizes returns the plain body, the gzip size, and the median idle
// latency of a gzip scrape.
func sizes(t target, runs int) ([]byte, int, time.Duration, error) {
	resp, err := http.Get(t.base + "/metrics")
	if err != nil {
		return nil, 0, 0, err
	}
	plain, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var lat []time.Duration
	gz := 0
	for range runs * 4 {
		d, n, err := scrapeOnce(http.DefaultClient, t, true, &bytes.Buffer{})
		if err != nil {
			return nil, 0, 0, err
		}
		lat = append(lat, d)
		gz = n
	}
	return plain, gz, median(lat), nil
}

// scrapeOnce fetches /metrics with gzip as Prometheus does and checks the
// response is whole: the declared length and, when verify is set, a
// complete gzip stream ending with the target's last metric family.
// buf is reused between scrapes, as Prometheus reuses its buffers, so
// that the scrapers' garbage collection does not add to the latency.
func scrapeOnce(client *http.Client, t target, verify bool, buf *bytes.Buffer) (time.Duration, int, error) {
	req, _ := http.NewRequest(http.MethodGet, t.base+"/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	body := buf.Bytes()
	d := time.Since(start)
	if err != nil || resp.StatusCode != http.StatusOK {
		return d, 0, fmt.Errorf("status %d: %v", resp.StatusCode, err)
	}
	if t.sized && int64(len(body)) != resp.ContentLength {
		return d, 0, fmt.Errorf("%d bytes of %d", len(body), resp.ContentLength)
	}
	if !verify {
		return d, len(body), nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return d, 0, err
	}
	text, err := io.ReadAll(zr)
	if err != nil || !bytes.Contains(text, []byte(t.last)) {
		return d, 0, fmt.Errorf("incomplete body: %v", err)
	}
	if t.whole != nil {
		t.whole(start, text)
	}
	return d, len(body), nil
}

// loadResult is what the scrapers saw during the load, and what the
// database did meanwhile.
type loadResult struct {
	start, end time.Time
	lat        []time.Duration
	errs       int
	db         dbStats
}

// load runs the scrapers against t and reads the database's counters
// before and after. A look at each end shows the refresh running when
// the load starts and the last one read before it ends, so that the
// refreshes during the load are told from the others.
func (b *bench) load(t target, pace time.Duration) (loadResult, error) {
	before, err := readDBStats(b.db, b.dbPID)
	if err != nil {
		return loadResult{}, err
	}
	if err := t.look(); err != nil {
		return loadResult{}, err
	}
	r := loadResult{start: time.Now()}
	r.lat, r.errs = scrapers(t, b.Scrapers, b.Duration, pace)
	if err := t.look(); err != nil {
		return loadResult{}, err
	}
	r.end = time.Now()
	after, err := readDBStats(b.db, b.dbPID)
	if err != nil {
		return loadResult{}, err
	}
	r.db = dbStats{after.selects - before.selects, after.questions - before.questions, after.cpu - before.cpu}
	return r, nil
}

// row is the load's row of the second table.
func (r loadResult) row(n int, server, refreshes string, series, gz, rssKiB int) string {
	if refreshes == "" {
		refreshes = "–"
	}
	return fmt.Sprintf("| %d | %s | %d | %s | %s | %d | %d | %.2f MB | %s | %d | %d | %.2f s | %d MiB |",
		n, server, series, percentile(r.lat, 0.5).Round(time.Microsecond*100), percentile(r.lat, 0.99).Round(time.Microsecond*100),
		len(r.lat), r.errs, float64(gz)/1e6, refreshes, r.db.selects, r.db.questions, r.db.cpu.Seconds(), rssKiB/1024)
}

// scrapers runs n scrapers concurrently for d, back to back or each once
// per pace, and returns their latencies and error count.
func scrapers(t target, n int, d, pace time.Duration) ([]time.Duration, int) {
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	// Every response's length is checked. Decompressing every body would
	// make the scrapers compete with the server for the CPU (at 20,000
	// clients a body is 77 MB of text): one body a second, taken in turn
	// by whichever scraper comes first, is decompressed and checked whole.
	verify := time.NewTicker(time.Second)
	defer verify.Stop()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 30 * time.Second}
			var buf bytes.Buffer
			// Paced scrapers start spread over the interval, as Prometheus
			// spreads its targets; unpaced ones scrape back to back.
			next := time.Now().Add(pace * time.Duration(i) / time.Duration(n))
			for time.Now().Before(end) {
				if pace > 0 {
					// A scraper due after the end stops now rather than
					// sleep past it: the load lasts d, not up to d+pace.
					if !next.Before(end) {
						break
					}
					time.Sleep(time.Until(next))
					next = next.Add(pace)
				}
				whole := false
				select {
				case <-verify.C:
					whole = true
				default:
				}
				l, _, err := scrapeOnce(client, t, whole, &buf)
				mu.Lock()
				if err != nil {
					errs++
				} else {
					lat = append(lat, l)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return lat, errs
}
