package main

import (
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/scrape"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
)

func privateServer(t *testing.T) *mariadbtest.Server {
	t.Helper()
	db := mariadbtest.Started(t)
	if err := loadReference(db); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestBillingDownPSAUp: billing on its own server dies; PSA series carry
// on, billing series keep their last values until max_staleness and then
// go, and the health coverage shows the missing billing evidence.
func TestBillingDownPSAUp(t *testing.T) {
	testenv.Integration(t)
	billing := privateServer(t)
	p := startExporterOn(t, sharedDB(t), billing, `
refresh_interval: 500ms
max_staleness: 3s
sources:
  billing:
    dsn_env: RETENTION_BILLING_DSN
    query_timeout: 2s
`)
	c1 := L{"client_id": "c1"}
	testenv.WaitFor(t, 20*time.Second, "billing data", func() bool {
		_, ok := p.scrape(t).Find("retention_client_overdue_invoices", c1)
		return ok
	})
	coverage := value(t, p.scrape(t), "retention_client_health_coverage_ratio", c1)
	billing.Kill()
	testenv.WaitFor(t, 10*time.Second, "billing up 0", func() bool {
		v, _ := p.scrape(t).Find("retention_source_up", L{"source": "billing"})
		return v == 0
	})
	f := p.scrape(t)
	if v := value(t, f, "retention_source_up", L{"source": "psa"}); v != 1 {
		t.Errorf("psa up = %v while only billing is down", v)
	}
	testenv.WaitFor(t, 15*time.Second, "billing series to expire", func() bool {
		_, ok := p.scrape(t).Find("retention_client_overdue_invoices", c1)
		return !ok
	})
	f = p.scrape(t)
	if _, ok := f.Find("retention_client_health_component_score", L{"client_id": "c1", "component": "billing"}); ok {
		t.Error("the billing component outlived its data")
	}
	if v := value(t, f, "retention_client_health_coverage_ratio", c1); v >= coverage {
		t.Errorf("coverage %v after billing expired, want below %v", v, coverage)
	}
	value(t, f, "retention_client_health_score", c1) // PSA-derived series stay
}

// TestSlowRefreshKilledMidway: refreshes slower than the interval never
// overlap, scrapes stay fast while one runs, and killing the database in
// the middle of a refresh keeps the last good data with up 0.
func TestSlowRefreshKilledMidway(t *testing.T) {
	testenv.Integration(t)
	db := privateServer(t)
	p := startExporterOn(t, db, db, `
refresh_interval: 200ms
sources:
  psa:
    query_timeout: 10s
queries:
  reviews:
    sql: |
      SELECT r.client_id, MAX(r.held_at) AS last_review_at
      FROM reviews r, (SELECT SLEEP(3) AS s) slow
      WHERE r.held_at <= :today
      GROUP BY r.client_id
`)
	testenv.WaitFor(t, 30*time.Second, "the first slow refresh", func() bool { return p.status(t, "/-/ready") == http.StatusOK })
	health := value(t, p.scrape(t), "retention_client_health_score", L{"client_id": "c1"})

	root, err := db.Root("")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	// Watch until two more refreshes have completed (each a new last
	// success): the window holds a whole refresh and the start of the next,
	// when an overlap would begin.
	lastSuccess := func(f scrape.Families) float64 {
		return value(t, f, "retention_source_last_success_timestamp_seconds", L{"source": "psa"})
	}
	successes := map[float64]bool{lastSuccess(p.scrape(t)): true}
	maxRunning := 0
	var slowest time.Duration
	for deadline := time.Now().Add(30 * time.Second); len(successes) < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("%d refreshes completed in 30s, want 2", len(successes)-1)
		}
		maxRunning = max(maxRunning, sleepingQueries(t, root))
		start := time.Now()
		f := p.scrape(t)
		slowest = max(slowest, time.Since(start))
		successes[lastSuccess(f)] = true
		time.Sleep(50 * time.Millisecond)
	}
	if maxRunning != 1 {
		t.Errorf("%d slow queries ran at once, want exactly 1: refreshes overlapped or never ran", maxRunning)
	}
	// A scrape that waited for the refresh would take the refresh's 3 s.
	if slowest > 2*time.Second {
		t.Errorf("a scrape took %s while a refresh ran", slowest)
	}

	testenv.WaitFor(t, 10*time.Second, "a refresh in flight", func() bool { return sleepingQueries(t, root) == 1 })
	db.Kill()
	testenv.WaitFor(t, 10*time.Second, "up 0 after the kill", func() bool {
		v, _ := p.scrape(t).Find("retention_source_up", L{"source": "psa"})
		return v == 0
	})
	if v := value(t, p.scrape(t), "retention_client_health_score", L{"client_id": "c1"}); v != health {
		t.Errorf("health %v after a refresh died midway, want the last good %v", v, health)
	}
}

func sleepingQueries(t *testing.T, root *sql.DB) int {
	t.Helper()
	var n int
	if err := root.QueryRow(`SELECT COUNT(*) FROM information_schema.processlist WHERE user = 'retention_exporter' AND info LIKE '%SLEEP(%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestConnectionLimit: the account's connection limit reached makes the
// refresh fail with up 0, and it recovers when a connection frees up.
// Billing is off: each source keeps a pooled connection, so a limit below
// the number of sources starves one of them (grants.sql allows 4).
func TestConnectionLimit(t *testing.T) {
	testenv.Integration(t)
	db := privateServer(t)
	if err := db.Exec("", "ALTER USER 'retention_exporter'@'%' WITH MAX_USER_CONNECTIONS 1"); err != nil {
		t.Fatal(err)
	}
	hog, err := sql.Open("mysql", db.DSN(roUser, roPassword, "psa"))
	if err != nil {
		t.Fatal(err)
	}
	defer hog.Close()
	hog.SetMaxOpenConns(1)
	conn, err := hog.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	p := startExporterOn(t, db, db, "refresh_interval: 500ms\nqueries:\n  invoices:\n    disabled: true\n")
	testenv.WaitFor(t, 15*time.Second, "a refused connection", func() bool {
		return strings.Contains(p.logs.String(), "max_user_connections")
	})
	if v := value(t, p.scrape(t), "retention_source_up", L{"source": "psa"}); v != 0 {
		t.Errorf("psa up = %v at the connection limit", v)
	}
	conn.Close()
	hog.Close()
	testenv.WaitFor(t, 15*time.Second, "recovery", func() bool {
		v, _ := p.scrape(t).Find("retention_source_up", L{"source": "psa"})
		return v == 1
	})
}
