package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/exporter"
	"github.com/retention-exporter/retention_exporter/internal/scrape"
	"github.com/retention-exporter/retention_exporter/metrics"
	"github.com/retention-exporter/retention_exporter/model"
	"github.com/retention-exporter/retention_exporter/source"
)

type fakePSA struct{}

func (fakePSA) Name() string   { return config.PSA }
func (fakePSA) Target() string { return "fake" }
func (fakePSA) ReadPSA(_ context.Context, _ *config.Config, now time.Time) (*model.Facts, []source.QueryReport, error) {
	return &model.Facts{Now: now, Clients: []model.Client{{ID: "c1", Name: "One", CustomerSince: model.NewDate(2020, 1, 1)}},
		Contacts: map[string]int64{}, Reviews: map[string]model.Date{}}, nil, nil
}

type fakeBilling struct{}

func (fakeBilling) Name() string   { return config.Billing }
func (fakeBilling) Target() string { return "fake" }
func (fakeBilling) ReadBilling(_ context.Context, _ *config.Config, now time.Time) (*model.Facts, []source.QueryReport, error) {
	return &model.Facts{Now: now, Overdue: map[string][]model.Overdue{}}, nil, nil
}

func exposition(t *testing.T, e *exporter.Exporter) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.Bytes()
}

// TestParseOwn reads the exporter's real exposition and finds what a
// full parse of it finds.
func TestParseOwn(t *testing.T) {
	cfg, err := config.Parse(exporterConfig(), "")
	if err != nil {
		t.Fatal(err)
	}
	e := exporter.New(cfg, fakePSA{}, fakeBilling{}, promslog.NewNopLogger())
	sources := []string{config.PSA, config.Billing}

	m, err := parseOwn(exposition(t, e), sources)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := m.reads(sources); ok || m.hasRender {
		t.Fatalf("a refresh before any: %+v", m)
	}

	now := time.Date(2026, 3, 10, 12, 0, 0, 123e6, time.UTC)
	e.Refresh(context.Background(), now)
	text := exposition(t, e)
	if m, err = parseOwn(text, sources); err != nil {
		t.Fatal(err)
	}
	full, err := scrape.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	start, read, ok := m.reads(sources)
	if !ok || !start.Equal(now) {
		t.Fatalf("refresh at %v (%v), want %v", start, ok, now)
	}
	for _, s := range sources {
		v, _ := full.Find(metrics.RefreshDuration, scrape.Labels{metrics.LabelSource: s})
		if got := m.read[s]; got != seconds(v) || got <= 0 || got > read {
			t.Errorf("%s read %v, the exposition says %v s; slower read %v", s, got, v, read)
		}
	}
	v, _ := full.Find(metrics.SnapshotRenderDuration, scrape.Labels{})
	if !m.hasRender || m.render != seconds(v) || m.render <= 0 {
		t.Errorf("render %v (%v), the exposition says %v s", m.render, m.hasRender, v)
	}
}

func TestOwnReads(t *testing.T) {
	t0 := time.Unix(1000, 0)
	m := ownMetrics{
		lastSuccess: map[string]time.Time{config.PSA: t0, config.Billing: t0},
		read:        map[string]time.Duration{config.PSA: 30 * time.Millisecond, config.Billing: 5 * time.Millisecond},
	}
	both := []string{config.PSA, config.Billing}
	if start, read, ok := m.reads(both); !ok || !start.Equal(t0) || read != 30*time.Millisecond {
		t.Errorf("reads = %v %v %v, want %v 30ms", start, read, ok, t0)
	}
	// The billing read of the next refresh has ended, the PSA's not yet.
	m.lastSuccess[config.Billing] = t0.Add(2 * time.Second)
	if _, _, ok := m.reads(both); ok {
		t.Error("two refreshes' reads taken for one")
	}
	delete(m.lastSuccess, config.Billing)
	if _, _, ok := m.reads(both); ok {
		t.Error("a source that never succeeded taken as read")
	}
}

// sample is what a body shows: both sources' reads of the refresh at
// start, and the render time, if any.
func sample(start time.Time, read, render time.Duration) ownMetrics {
	return ownMetrics{
		lastSuccess: map[string]time.Time{config.PSA: start, config.Billing: start},
		read:        map[string]time.Duration{config.PSA: read, config.Billing: read / 2},
		render:      render, hasRender: render > 0,
	}
}

func TestRefreshLogTellsRendersApart(t *testing.T) {
	ms := time.Millisecond
	t0 := time.Unix(1000, 0)
	t1, t2, t3 := t0.Add(1100*ms), t0.Add(2200*ms), t0.Add(3300*ms)
	l := newRefreshLog(config.PSA, config.Billing)
	at := t0
	add := func(m ownMetrics) { at = at.Add(100 * ms); l.add(at, m) }

	add(sample(t0, 30*ms, 40*ms)) // t0 done
	half := sample(t1, 30*ms, 40*ms)
	half.lastSuccess[config.Billing] = t0
	add(half)                     // t1: PSA read, billing not yet
	add(sample(t1, 31*ms, 40*ms)) // t1 read, still t0's render
	add(sample(t1, 31*ms, 45*ms)) // t1 rendered
	add(sample(t2, 32*ms, 50*ms)) // t2 first seen whole
	add(sample(t1, 31*ms, 45*ms)) // a body sent earlier, answered late
	add(sample(t3, 33*ms, 50*ms)) // t3 read, t2's render still shows

	want := []refresh{
		{start: t0, read: 30 * ms, render: 40 * ms, rendered: true},
		{start: t1, read: 31 * ms, render: 45 * ms, rendered: true},
		{start: t2, read: 32 * ms, render: 50 * ms, rendered: true},
		{start: t3, read: 33 * ms},
	}
	if len(l.done) != len(want) {
		t.Fatalf("refreshes %+v, want %+v", l.done, want)
	}
	for i, w := range want {
		g := l.done[i]
		g.seen = time.Time{}
		if g != w {
			t.Errorf("refresh %d = %+v, want %+v", i, g, w)
		}
	}
	if got := l.renderedAfter(t0); len(got) != 2 || !got[0].start.Equal(t1) || !got[1].start.Equal(t2) {
		t.Errorf("rendered after t0: %+v", got)
	}
}

func TestRefreshLogDuring(t *testing.T) {
	ms := time.Millisecond
	at := func(s float64) time.Time { return time.Unix(1000, 0).Add(time.Duration(s * float64(time.Second))) }
	r := func(start, seen float64, read, render time.Duration) refresh {
		return refresh{start: at(start), seen: at(seen), read: read, render: render, rendered: render > 0}
	}
	for _, c := range []struct {
		name string
		done []refresh
		n    int
		all  bool
	}{
		{"every refresh seen", []refresh{
			r(0, 0.5, 100*ms, 50*ms), // running when the load starts at 1
			r(1.15, 1.5, 100*ms, 50*ms),
			r(2.3, 2.5, 100*ms, 50*ms),
			r(3.45, 3.5, 100*ms, 50*ms),
			r(9.5, 10.5, 100*ms, 50*ms), // started during the load, read after it
		}, 3, true},
		{"one missed", []refresh{
			r(0, 0.5, 100*ms, 50*ms),
			r(1.15, 1.5, 100*ms, 50*ms),
			r(3.45, 3.5, 100*ms, 50*ms), // 2.3 was never seen
		}, 2, false},
		{"render unknown but short", []refresh{
			r(0, 0.5, 100*ms, 50*ms),
			r(1.15, 1.5, 100*ms, 0),
			r(2.3, 2.5, 100*ms, 50*ms),
		}, 2, true},
		{"render unknown and longer than the interval", []refresh{
			r(0, 0.5, 100*ms, 2*time.Second),
			r(3.1, 3.5, 100*ms, 0),
			r(6.2, 6.5, 100*ms, 2*time.Second),
		}, 2, false},
	} {
		l := &refreshLog{done: c.done}
		rs, all := l.during(at(1), at(10), time.Second)
		if len(rs) != c.n || all != c.all {
			t.Errorf("%s: %d refreshes, all seen %v; want %d, %v", c.name, len(rs), all, c.n, c.all)
		}
		for _, x := range rs {
			if x.start.Before(at(1)) || x.seen.After(at(10)) {
				t.Errorf("%s: %+v is not during the load", c.name, x)
			}
		}
	}
}

func TestNextLook(t *testing.T) {
	ms := time.Millisecond
	r := refresh{start: time.Unix(1000, 0), read: 300 * ms, render: 200 * ms, rendered: true}
	// Ends at 0.5 s; the next starts at 1.5 s and ends at 2 s; the pause
	// after it runs to 3 s.
	if got := nextLook(r, r.start.Add(600*ms)); got != 1900*ms {
		t.Errorf("next look in %v, want 1.9s", got)
	}
	if got := nextLook(r, r.start.Add(time.Hour)); got != 0 {
		t.Errorf("next look in %v when overdue, want 0", got)
	}
	r.rendered = false
	if got := nextLook(r, r.start); got != refreshInterval/4 {
		t.Errorf("next look in %v before the render shows, want %v", got, refreshInterval/4)
	}
}

// TestRefreshLogAfterFailedRead: a refresh whose billing read failed
// shows no reads of its own, but its render time still shows, and the
// next refresh must not take it for its own.
func TestRefreshLogAfterFailedRead(t *testing.T) {
	ms := time.Millisecond
	t0 := time.Unix(1000, 0)
	t1, t2 := t0.Add(1100*ms), t0.Add(2200*ms)
	l := newRefreshLog(config.PSA, config.Billing)
	l.add(t0, sample(t0, 30*ms, 40*ms))
	failed := sample(t1, 30*ms, 45*ms)
	failed.lastSuccess[config.Billing] = t0
	l.add(t1.Add(500*ms), failed)
	l.add(t2.Add(40*ms), sample(t2, 30*ms, 45*ms)) // t2 read, t1's render still shows
	if last, _ := l.last(); !last.start.Equal(t2) || last.rendered {
		t.Errorf("last refresh %+v, want t2 with its render not yet known", last)
	}
}
