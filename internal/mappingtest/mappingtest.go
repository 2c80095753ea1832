// Package mappingtest is the kit every shipped mapping's test uses: it
// loads the mapping's schema and fixture into a private MariaDB with its
// GRANTs, opens the mapping as serving opens it, runs what check-config
// --connect runs, and serves at a pinned instant, so that a test compares
// the served series with values worked out by hand. A mapping brings only
// its own files: retention_exporter.yml, grants.sql (for a database named
// as the mapping's directory), testdata/schema.sql and its fixtures.
package mappingtest

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/backfill"
	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/exporter"
	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/scrape"
	"github.com/retention-exporter/retention_exporter/internal/serve"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
	"github.com/retention-exporter/retention_exporter/source"
)

// Password is the read-only account's password the kit grants.
const Password = "Mapping-Reader-1"

var discard = slog.New(slog.DiscardHandler)

// Mapping is a shipped mapping loaded into a private MariaDB.
type Mapping struct {
	// Dir is the mapping's directory; Database the database its GRANTs
	// name (the directory's base name).
	Dir, Database string
	DB            *mariadbtest.Server
}

// Start runs a private MariaDB for the mapping in dir (".", for a test in
// the mapping's own directory); it stops when the test ends.
func Start(t *testing.T, dir string) *Mapping {
	t.Helper()
	testenv.Integration(t)
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &Mapping{Dir: abs, Database: filepath.Base(abs), DB: mariadbtest.Started(t)}
}

// Load creates database name from testdata/schema.sql, runs the given
// files of the mapping's directory and SQL texts in it, in order, and
// grants the reader as grants.sql does (on name instead of the mapping's
// database).
func (m *Mapping) Load(t *testing.T, name string, steps ...string) {
	t.Helper()
	grants := m.read(t, "grants.sql")
	all := []struct{ db, sql string }{{"", "CREATE DATABASE " + name}, {name, m.read(t, "testdata/schema.sql")}}
	for _, s := range steps {
		if strings.HasSuffix(s, ".sql") && !strings.ContainsAny(s, " \n") {
			s = m.read(t, s)
		}
		all = append(all, struct{ db, sql string }{name, s})
	}
	g := strings.NewReplacer("change-me", Password, m.Database+".", name+".").Replace(grants)
	all = append(all, struct{ db, sql string }{"", g})
	for _, s := range all {
		if err := m.DB.Exec(s.db, s.sql); err != nil {
			t.Fatalf("%.60s…: %v", s.sql, err)
		}
	}
}

func (m *Mapping) read(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(m.Dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Open reads the mapping's retention_exporter.yml, edited by edit when
// it is not nil (to set a parameter, say), with its sources' DSN
// variables pointing at database name, and opens its sources as serving
// does. Billing is nil when the mapping configures none.
func (m *Mapping) Open(t *testing.T, name string, edit func(string) string) (*config.Config, exporter.PSA, exporter.Billing) {
	t.Helper()
	dsn := m.DB.DSN("retention_exporter", Password, name)
	env := map[string]string{config.DefaultPSADSNEnv: dsn, config.DefaultBillingDSNEnv: dsn}
	for k, v := range env {
		t.Setenv(k, v)
	}
	text := m.read(t, "retention_exporter.yml")
	if edit != nil {
		text = edit(text)
	}
	// The implicit billing source stays off: a mapping configures billing
	// explicitly or not at all.
	cfg, err := config.ParseEnv([]byte(text), m.Dir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	psa, billing, err := serve.Open(cfg, discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { serve.CloseSources(psa, billing) })
	return cfg, psa, billing
}

// Check runs every enabled query of both sources at now, as check-config
// --connect does, and returns the reports.
func Check(t *testing.T, cfg *config.Config, psa exporter.PSA, billing exporter.Billing, now time.Time) []source.QueryReport {
	t.Helper()
	reports := psa.(*source.DB).Check(context.Background(), cfg, now)
	if billing != nil {
		reports = append(reports, billing.(*source.DB).Check(context.Background(), cfg, now)...)
	}
	return reports
}

// NoProblems fails for every problem check-config --connect would name
// at now, but the query reasons allowed says are expected.
func NoProblems(t *testing.T, cfg *config.Config, psa exporter.PSA, billing exporter.Billing, now time.Time) []source.QueryReport {
	t.Helper()
	reports := Check(t, cfg, psa, billing, now)
	for _, r := range reports {
		if p := r.Problems(cfg); len(p) > 0 {
			t.Errorf("%s[%s]: %v", r.Query, r.Window, p)
		}
	}
	return reports
}

// Served is what serve exposes, its own metrics too, with its clock at now.
func Served(t *testing.T, cfg *config.Config, psa exporter.PSA, billing exporter.Billing, now time.Time) scrape.Families {
	t.Helper()
	exp := exporter.New(cfg, psa, billing, discard)
	exp.Refresh(context.Background(), now)
	rec := httptest.NewRecorder()
	exp.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d %s", rec.Code, rec.Body)
	}
	f, err := scrape.Parse(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Backfill runs a daily backfill of the mapping from one date to the
// next, as retention_exporter backfill does, and fails unless every
// instant was written with samples.
func Backfill(t *testing.T, cfg *config.Config, psa exporter.PSA, billing exporter.Billing, from, to time.Time) *backfill.Stats {
	t.Helper()
	o := backfill.Options{From: from, To: to, Step: 24 * time.Hour, Output: filepath.Join(t.TempDir(), "blocks"),
		Labels: map[string]string{"job": "retention"}}
	st, err := backfill.Run(context.Background(), cfg, psa, billing, o, nil)
	if err != nil {
		t.Fatalf("backfill: %v", err)
	}
	if want := len(backfill.Instants(from, to, o.Step)); st.Instants != want || st.Samples == 0 || len(st.Blocks) == 0 {
		t.Errorf("backfill wrote %d instants (want %d), %d samples, %d blocks", st.Instants, want, st.Samples, len(st.Blocks))
	}
	return st
}

// L is a series' labels.
type L = scrape.Labels

// Series is one expected sample. It is an alias of an unnamed struct so
// that a mapping's test writes its many expectations positionally,
// {name, labels, value}, as go vet allows for unnamed types.
type Series = struct {
	Name   string
	Labels L
	Value  float64
}

// Expect fails for each expected series that is absent, ambiguous or of
// another value.
func Expect(t *testing.T, f scrape.Families, want []Series) {
	t.Helper()
	for _, w := range want {
		got, ok := f.Find(w.Name, w.Labels)
		if !ok {
			t.Errorf("%s%v: absent or ambiguous", w.Name, w.Labels)
			continue
		}
		if got != w.Value {
			t.Errorf("%s%v = %v, want %v", w.Name, w.Labels, got, w.Value)
		}
	}
}

// Absent fails if any series of name has all of labels.
func Absent(t *testing.T, f scrape.Families, name string, labels L) {
	t.Helper()
	for _, s := range f.Samples(name) {
		if s.Labels.Has(labels) {
			t.Errorf("%s%v present: %v", name, labels, s.Labels)
		}
	}
}

// Unix is midnight UTC of a date, as a timestamp series holds it.
func Unix(date string) float64 {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		panic(err)
	}
	return float64(d.Unix())
}

// Days is the number of days from one date to another.
func Days(from, to string) float64 { return (Unix(to) - Unix(from)) / 86400 }
