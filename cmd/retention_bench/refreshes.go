package main

import (
	"bytes"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/retention-exporter/retention_exporter/internal/scrape"
	"github.com/retention-exporter/retention_exporter/metrics"
)

// The refreshes are timed from the exporter's own metrics, which every
// /metrics body ends with: the sources' last success time (the refresh's
// now, which tells refreshes apart), their read times, and the render
// time after the reads. A body is 77 MB of text at 20,000 clients, so
// the bench never polls for them on its own: it reads the bodies it
// decompresses anyway (one a second under load, to check them whole),
// one body at each end of a load, and, idle, one body per refresh, sent
// in the pause after it so that decompressing it competes with neither
// the reads nor the render being timed.

// ownMetrics is what one body showed of the exporter's own metrics.
type ownMetrics struct {
	lastSuccess map[string]time.Time     // by source
	read        map[string]time.Duration // by source
	render      time.Duration
	hasRender   bool
}

// ownFamilies are the families parseOwn reads.
var ownFamilies = []string{metrics.SourceLastSuccess, metrics.RefreshDuration, metrics.SnapshotRenderDuration}

// parseOwn reads the own metrics of sources from a whole exposition.
// They come after the snapshot, near the end, so each family is looked
// for from the end and the client series are never parsed.
func parseOwn(text []byte, sources []string) (ownMetrics, error) {
	var part []byte
	for _, name := range ownFamilies {
		i := bytes.LastIndex(text, []byte("\n# HELP "+name+" "))
		if i < 0 {
			continue // not yet: before the first refresh or success
		}
		family := text[i+1:]
		if j := bytes.Index(family, []byte("\n# HELP ")); j >= 0 {
			family = family[:j+1]
		}
		part = append(part, family...)
	}
	f, err := scrape.Parse(part)
	if err != nil {
		return ownMetrics{}, err
	}
	m := ownMetrics{lastSuccess: map[string]time.Time{}, read: map[string]time.Duration{}}
	for _, s := range sources {
		if v, ok := f.Find(metrics.SourceLastSuccess, scrape.Labels{metrics.LabelSource: s}); ok {
			m.lastSuccess[s] = time.UnixMilli(int64(math.Round(v * 1000)))
		}
		if v, ok := f.Find(metrics.RefreshDuration, scrape.Labels{metrics.LabelSource: s}); ok {
			m.read[s] = seconds(v)
		}
	}
	if v, ok := f.Find(metrics.SnapshotRenderDuration, scrape.Labels{}); ok {
		m.render, m.hasRender = seconds(v), true
	}
	return m, nil
}

func seconds(v float64) time.Duration { return time.Duration(v * float64(time.Second)) }

// reads returns the refresh whose reads m shows: the one every source
// last succeeded in, with the slower source's read, since they run in
// parallel. ok is false while one source still shows an older refresh:
// the other's read has ended and this one's not yet, or failed.
func (m ownMetrics) reads(sources []string) (start time.Time, read time.Duration, ok bool) {
	for i, s := range sources {
		t, found := m.lastSuccess[s]
		if !found || (i > 0 && !t.Equal(start)) {
			return time.Time{}, 0, false
		}
		start, read = t, max(read, m.read[s])
	}
	return start, read, len(sources) > 0
}

// refresh is one refresh of the exporter.
type refresh struct {
	start    time.Time     // its now, the sources' last success time
	seen     time.Time     // when the first request showing its reads was sent
	read     time.Duration // the slower source's read
	render   time.Duration // computing the result and rendering the snapshot
	rendered bool          // render is known to be this refresh's
}

// whole is the refresh from its start to its snapshot's publication.
func (r refresh) whole() time.Duration { return r.read + r.render }

func (r refresh) end() time.Time { return r.start.Add(r.whole()) }

// refreshLog collects the refreshes the bodies read showed, in order.
type refreshLog struct {
	sources []string

	mu   sync.Mutex
	done []refresh
	// A refresh records its reads before its render time: a body sent in
	// between shows its reads with the previous refresh's render time. A
	// render time is therefore a refresh's when it first shows with it.
	hasShown   bool
	lastRender time.Duration
	err        error // the first body that could not be read
}

func newRefreshLog(sources ...string) *refreshLog { return &refreshLog{sources: sources} }

// addText reads the own metrics of a body whose request was sent at at.
func (l *refreshLog) addText(at time.Time, text []byte) {
	m, err := parseOwn(text, l.sources)
	if err != nil {
		l.mu.Lock()
		if l.err == nil {
			l.err = err
		}
		l.mu.Unlock()
		return
	}
	l.add(at, m)
}

// add records what a body sent at at showed. Bodies must come in the
// order they were sent; one older than the last refresh seen is dropped.
func (l *refreshLog) add(at time.Time, m ownMetrics) {
	l.mu.Lock()
	defer l.mu.Unlock()
	start, read, ok := m.reads(l.sources)
	n := len(l.done)
	if ok && n > 0 && start.Before(l.done[n-1].start) {
		return
	}
	newRender := m.hasRender && (!l.hasShown || m.render != l.lastRender)
	l.hasShown, l.lastRender = m.hasRender, m.render
	if !ok {
		return
	}
	if n == 0 || !l.done[n-1].start.Equal(start) {
		l.done = append(l.done, refresh{start: start, seen: at, read: read})
	}
	if newRender {
		r := &l.done[len(l.done)-1]
		r.render, r.rendered = m.render, true
	}
}

// last returns the latest refresh seen.
func (l *refreshLog) last() (refresh, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.done) == 0 {
		return refresh{}, false
	}
	return l.done[len(l.done)-1], true
}

// renderedAfter returns the refreshes started after t whose render time
// is known.
func (l *refreshLog) renderedAfter(t time.Time) []refresh {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []refresh
	for _, r := range l.done {
		if r.start.After(t) && r.rendered {
			out = append(out, r)
		}
	}
	return out
}

// during returns the refreshes that started in [start, end) and whose
// reads a body sent before end showed. all is false when a refresh may
// have gone unseen between the one running at start and the last of
// them; the count is then a lower bound.
func (l *refreshLog) during(start, end time.Time, interval time.Duration) (rs []refresh, all bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	all = true
	var prev *refresh
	for i := range l.done {
		r := &l.done[i]
		if r.start.Before(start) {
			prev = r
			continue
		}
		if !r.start.Before(end) || r.seen.After(end) {
			break
		}
		if prev != nil && mayHaveMissed(*prev, *r, interval) {
			all = false
		}
		rs = append(rs, *r)
		prev = r
	}
	return rs, all
}

// mayHaveMissed reports whether a refresh may have run between a and b.
// The exporter starts a refresh interval after the last one ended, so
// one unseen in between leaves a gap of two intervals at least. When a's
// render time is not known it counts in the gap: a render longer than an
// interval then looks like a missed refresh.
func mayHaveMissed(a, b refresh, interval time.Duration) bool {
	gap := b.start.Sub(a.start) - a.read
	if a.rendered {
		gap -= a.render
	}
	return gap >= 2*interval
}

// errNoRefresh is returned when the exporter's metrics show no refresh.
var errNoRefresh = errors.New("the exporter's metrics show no refresh")

func reads(rs []refresh) []time.Duration {
	var out []time.Duration
	for _, r := range rs {
		out = append(out, r.read)
	}
	return out
}

func wholes(rs []refresh) []time.Duration {
	var out []time.Duration
	for _, r := range rs {
		out = append(out, r.whole())
	}
	return out
}
