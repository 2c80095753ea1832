package backfill_test

import (
	"context"
	"log/slog"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/retention-exporter/retention_exporter/backfill"
	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/exporter"
	"github.com/retention-exporter/retention_exporter/internal/promtest"
	"github.com/retention-exporter/retention_exporter/internal/scrape"
	"github.com/retention-exporter/retention_exporter/internal/stack"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
	m "github.com/retention-exporter/retention_exporter/metrics"
)

var discard = slog.New(slog.DiscardHandler)

// msp is a generated MSP in MariaDB with a config reading it.
type msp struct {
	*stack.MSP
	cfg     *config.Config
	psa     exporter.PSA
	billing exporter.Billing
	now     time.Time
}

func startMSP(t *testing.T, clients int) *msp {
	t.Helper()
	dir := t.TempDir()
	now := time.Date(2026, 11, 15, 9, 30, 0, 0, time.UTC)
	db := stack.StartMSP(t, dir, clients, now)
	cfg, psa, billing := db.Config(t, dir)
	return &msp{MSP: db, cfg: cfg, psa: psa, billing: billing, now: now}
}

// served is what serve exposes with its clock at each instant, by series.
func (e *msp) served(t *testing.T, at time.Time, extra map[string]string) map[string]float64 {
	t.Helper()
	exp := exporter.New(e.cfg, e.psa, e.billing, discard)
	exp.Refresh(context.Background(), at)
	text, err := exp.Snapshot().Text()
	if err != nil {
		t.Fatal(err)
	}
	fams, err := scrape.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for name := range fams {
		for _, smp := range fams.Samples(name) {
			ls := scrape.Labels{model.MetricNameLabel: name}
			for k, v := range smp.Labels {
				if v != "" {
					ls[k] = v
				}
			}
			maps.Copy(ls, extra)
			out[ls.String()] = smp.Value
		}
	}
	return out
}

// compare reports every series that differs between want and got.
func compare(t *testing.T, at time.Time, where string, want, got map[string]float64) {
	t.Helper()
	diffs := 0
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("%s at %s: missing %s (served %v)", where, at.Format(time.RFC3339), k, w)
		case g != w && !(math.IsNaN(g) && math.IsNaN(w)):
			t.Errorf("%s at %s: %s is %v, served %v", where, at.Format(time.RFC3339), k, g, w)
		default:
			continue
		}
		if diffs++; diffs > 10 {
			t.Fatalf("%s at %s: more differences", where, at.Format(time.RFC3339))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s at %s: %s = %v was not served", where, at.Format(time.RFC3339), k, g)
		}
	}
}

// TestBackfillIsWhatServeServed backfills a generated MSP, loads the
// blocks into Prometheus (Debian's 2.x binary, and a 3.x binary when the
// test command built one) and into Prometheus's own storage and query
// engine at this module's version (3.x), and
// checks at every instant that the series equal what serve exposes with
// its clock pinned there. The instants fall at varied times of day.
func TestBackfillIsWhatServeServed(t *testing.T) {
	testenv.Integration(t)
	e := startMSP(t, 60)
	from := e.now.AddDate(0, 0, -40).Add(-3 * time.Hour)
	to := e.now.AddDate(0, 0, -1)
	o := backfill.Options{From: from, To: to, Step: 30 * time.Hour, Output: filepath.Join(t.TempDir(), "blocks"),
		Labels: map[string]string{"job": "retention"}, BlockDuration: 6 * 24 * time.Hour}
	// The backfill writes nothing outside the output directory, so it
	// runs in a container whose root is read-only, without a /tmp.
	tmp := os.TempDir()
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	st, err := backfill.Run(context.Background(), e.cfg, e.psa, e.billing, o, discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	instants := backfill.Instants(from, to, o.Step)
	if st.Instants != len(instants) || len(st.Blocks) < 6 {
		t.Fatalf("wrote %d instants in %d blocks, want %d instants in 6 or more", st.Instants, len(st.Blocks), len(instants))
	}

	// One copy of the blocks for each Prometheus binary, one read in place.
	var proms []*promtest.Process
	for i, bin := range promtest.Prometheuses() {
		promDir := t.TempDir()
		if err := os.CopyFS(filepath.Join(promDir, "data"), os.DirFS(o.Output)); err != nil {
			t.Fatal(err)
		}
		prom, err := promtest.StartPrometheusBinary(bin, promDir, "global: {}\n", "--storage.tsdb.retention.time=100y")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(prom.Stop)
		proms = append(proms, prom)
		t.Logf("prometheus %d: %s", i, bin)
	}

	db, err := tsdb.OpenDBReadOnly(o.Output, "", discard)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 10_000_000, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})

	ctx := context.Background()
	families := map[string]bool{}
	for _, at := range instants {
		want := e.served(t, at, o.Labels)
		for k := range want {
			families[strings.SplitN(strings.TrimPrefix(k, `{__name__="`), `"`, 2)[0]] = true
		}
		for i, prom := range proms {
			res, err := prom.QueryAt(ctx, `{job="retention"}`, at)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]float64{}
			for _, s := range res {
				v, err := strconv.ParseFloat(s.Value[1].(string), 64)
				if err != nil {
					t.Fatal(err)
				}
				got[scrape.Labels(s.Metric).String()] = v
			}
			compare(t, at, promtest.Prometheuses()[i], want, got)
		}

		q, err := engine.NewInstantQuery(ctx, db, nil, `{job="retention"}`, at)
		if err != nil {
			t.Fatal(err)
		}
		r := q.Exec(ctx)
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		vec, _ := r.Vector()
		got := map[string]float64{}
		for _, s := range vec {
			got[scrape.Labels(s.Metric.Map()).String()] = s.F
		}
		q.Close()
		compare(t, at, "tsdb and promql v0.316.0", want, got)
	}
	// Client, contract and portfolio series all took part.
	for _, f := range []string{m.ClientHealthScore, m.ClientHealthComponentScore, m.ContractDaysToRenewal, m.ChurnedClients, m.RevenueCohortMRR} {
		if !families[f] {
			t.Errorf("no %s series were compared", f)
		}
	}
}
