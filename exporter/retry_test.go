package exporter

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
	"github.com/retention-exporter/retention_exporter/model"
	"github.com/retention-exporter/retention_exporter/source"
)

func TestRetryDelay(t *testing.T) {
	const first, interval = 5 * time.Second, 5 * time.Minute
	for _, c := range []struct {
		failures int
		want     time.Duration
	}{
		{0, interval}, {1, 5 * time.Second}, {2, 10 * time.Second}, {3, 20 * time.Second},
		{6, 160 * time.Second}, {7, interval}, {50, interval},
	} {
		if got := retryDelay(first, c.failures, interval); got != c.want {
			t.Errorf("after %d failures: %s, want %s", c.failures, got, c.want)
		}
	}
	if got := retryDelay(first, 1, 2*time.Second); got != 2*time.Second {
		t.Errorf("a refresh interval shorter than the first retry: %s", got)
	}
}

// flakyPSA fails its first reads, then serves; it records when it was read.
type flakyPSA struct {
	fakePSA
	mu    sync.Mutex
	fails int
	reads []time.Time
}

func (f *flakyPSA) ReadPSA(ctx context.Context, cfg *config.Config, now time.Time) (*model.Facts, []source.QueryReport, error) {
	f.mu.Lock()
	f.reads = append(f.reads, time.Now())
	fail := len(f.reads) <= f.fails
	f.mu.Unlock()
	f.fakePSA.set(fail, "smb")
	return f.fakePSA.ReadPSA(ctx, cfg, now)
}

func (f *flakyPSA) readTimes() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.reads...)
}

// TestFailedStartRetriesSoon: a PSA that fails at start is tried again
// after 5s, 10s, 20s (here scaled down), not after a whole refresh
// interval, so the exporter is ready soon after the database is. The
// log says there is no data yet, then that the source recovered and the
// first refresh was published with its series count; later successes
// log nothing at info.
func TestFailedStartRetriesSoon(t *testing.T) {
	var logs testenv.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	psa := &flakyPSA{fails: 3}
	e := New(testConfig(t, "refresh_interval: 1h\nmax_staleness: 2h\n"), psa, nil, logger)
	const first = 20 * time.Millisecond
	e.firstRetry = first
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	deadline := time.Now().Add(30 * time.Second)
	for !e.Ready() {
		if time.Now().After(deadline) {
			t.Fatalf("not ready 30s after a start with 3 failed reads (reads at %v):\n%s", psa.readTimes(), logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	reads := psa.readTimes()
	if len(reads) != 4 {
		t.Fatalf("%d reads until ready, want 3 failures and a success", len(reads))
	}
	for i, want := range []time.Duration{first, 2 * first, 4 * first} {
		if gap := reads[i+1].Sub(reads[i]); gap < want {
			t.Errorf("retry %d after %s, want at least %s", i+1, gap, want)
		}
	}
	out := logs.String()
	for _, want := range []string{
		`msg="query failed; no rows of it have been read yet, so nothing it feeds is served" database=psa query=clients window="" retry_in=20ms`,
		`retry_in=40ms`, `retry_in=80ms`,
		`msg="source recovered" database=psa`,
		`msg="first refresh published: serving the PSA's data"`,
		` series=`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "last good") {
		t.Errorf("the log claims last good data before any was read:\n%s", out)
	}

	// A later refresh that succeeds says nothing at info; one that fails
	// says the last good data is served.
	before := strings.Count(out, "\n")
	e.Refresh(context.Background(), t0.Add(time.Minute))
	if got := logs.String(); strings.Count(got, "\n") != before {
		t.Errorf("a routine refresh logged at info:\n%s", got[len(out):])
	}
	psa.fakePSA.set(true, "smb")
	psa.mu.Lock()
	psa.fails = 1 << 30
	psa.mu.Unlock()
	e.Refresh(context.Background(), t0.Add(2*time.Minute))
	if got := logs.String(); !strings.Contains(got[len(out):], "query failed; its last good rows serve until max_staleness") {
		t.Errorf("a failure after data was read:\n%s", got[len(out):])
	}
}

// TestReloadLeavesNoQuerySeries: a query a reload disables, and a source
// it removes, leave no series of the exporter's own behind; a query it
// enables gets its series at once.
func TestReloadLeavesNoQuerySeries(t *testing.T) {
	withBilling := testConfig(t, "sources:\n  billing:\n    dsn_env: BILLING_DSN\n")
	e := New(withBilling, &fakePSA{segment: "smb"}, &fakeBilling{}, slog.New(slog.DiscardHandler))
	e.Refresh(context.Background(), t0)
	has := func(source, query string) bool {
		for name, mf := range scrapeOf(t, e) {
			if !strings.HasPrefix(name, "retention_") {
				continue
			}
			for _, mt := range mf.Metric {
				l := map[string]string{}
				for _, p := range mt.Label {
					l[p.GetName()] = p.GetValue()
				}
				if l["source"] == source && (query == "" || l["query"] == query) {
					return true
				}
			}
		}
		return false
	}
	if !has("psa", "surveys") || !has("billing", "invoices") {
		t.Fatal("no series of surveys or billing before the reload")
	}
	e.Reconfigure(testConfig(t, "queries:\n  surveys:\n    disabled: true\n"), &fakePSA{segment: "smb"}, nil)
	e.Refresh(context.Background(), t0.Add(time.Minute))
	if has("psa", "surveys") {
		t.Error("a query disabled by a reload left series behind")
	}
	if has("billing", "") {
		t.Error("a source removed by a reload left series behind")
	}
	if !has("psa", "clients") {
		t.Error("the enabled queries lost their series")
	}
	e.Reconfigure(testConfig(t, ""), &fakePSA{segment: "smb"}, nil)
	if !has("psa", "surveys") {
		t.Error("a query enabled by a reload has no series until its first run")
	}
}
