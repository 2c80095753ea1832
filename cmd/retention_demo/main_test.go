package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"

	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/scrape"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
	"github.com/retention-exporter/retention_exporter/metrics"
)

// TestDemo runs the demo binary as a newcomer would and checks that it
// serves every metric family of the catalogue and shows each story.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	d := startDemo(t, dir, 90*time.Second, "--clients=120")
	cmd, base, output := d.cmd, d.base, d.output
	f := d.metrics(t)
	for _, name := range metrics.All() {
		if len(f.Samples(name)) == 0 {
			t.Errorf("the demo serves no %s", name)
		}
	}
	for _, src := range []string{"psa", "billing"} {
		if v, _ := f.Find(metrics.SourceUp, scrape.Labels{"source": src}); v != 1 {
			t.Errorf("%s up = %v", src, v)
		}
	}
	for _, s := range f.Samples(metrics.InvalidRows) {
		if s.Value != 0 {
			t.Errorf("generated data has invalid rows: %v %v", s.Labels, s.Value)
		}
	}

	today := time.Now().UTC().Truncate(24 * time.Hour)
	day := func(n int) float64 { return float64(today.AddDate(0, 0, n).Unix()) }
	at := func(name string, l scrape.Labels) float64 {
		t.Helper()
		v, ok := f.Find(name, l)
		if !ok {
			t.Errorf("%s%v missing", name, l)
		}
		return v
	}
	if v := at(metrics.ClientHealthScore, scrape.Labels{"client": "Summit Dental Group"}); v >= 40 {
		t.Errorf("at-risk story health %v, want below the critical band (40)", v)
	}
	if v := at(metrics.ContractRenewalNoticeSent, scrape.Labels{"client": "Summit Dental Group", "contract_id": "CLS001-M02"}); v != 0 {
		t.Errorf("at-risk story renewal notice %v, want 0", v)
	}
	if v := at(metrics.ContractDaysToRenewal, scrape.Labels{"client": "Brightline Logistics"}); v != -25 {
		t.Errorf("lapsed story days to renewal %v, want -25", v)
	}
	if v := at(metrics.ClientOldestOverdueTimestamp, scrape.Labels{"client": "Cedar & Finch Accounting"}); v != day(-50) {
		t.Errorf("overdue story oldest due %v, want 50 days ago (%v)", v, day(-50))
	}
	if _, ok := f.Find(metrics.ClientLastReviewTimestamp, scrape.Labels{"client": "Nova Robotics"}); ok {
		t.Error("new-client story has a review")
	}
	if v := at(metrics.ClientStartTimestamp, scrape.Labels{"client": "Nova Robotics"}); v != day(-20) {
		t.Errorf("new-client story started %v, want 20 days ago", v)
	}
	if v := at(metrics.ContractCancelTimestamp, scrape.Labels{"client": "Harborview Clinic"}); v != day(30) {
		t.Errorf("notice story cancels %v, want in 30 days", v)
	}
	if !strings.Contains(output(), base+"/metrics") {
		t.Errorf("the demo does not print where to look:\n%s", output())
	}
	// The report command it prints reads this demo's databases with its
	// configuration.
	report := regexp.MustCompile(`RETENTION_PSA_DSN="[^"]+" RETENTION_BILLING_DSN="[^"]+" \\\n +go run ./cmd/retention_exporter --config.file=(\S+) report --client=CLS001 --output=qbr.html`).FindStringSubmatch(output())
	if report == nil {
		t.Errorf("the demo does not print a report command:\n%s", output())
	} else if _, err := os.Stat(report[1]); err != nil {
		t.Errorf("the report command's configuration: %v", err)
	}

	// Ctrl-C stops it cleanly.
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo exited with %v after SIGINT:\n%s", err, output())
		}
	case <-time.After(10 * time.Second):
		t.Error("demo did not stop on SIGINT")
	}
}

// buildDemo builds the demo binary into dir.
func buildDemo(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "retention_demo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// TestDemoBackfill runs the demo with --backfill as a newcomer would: it
// writes the MSP's history as blocks that promtool lists and the TSDB
// reads, one sample a day at midnight from --backfill-from to the start
// of today, labelled with the job of the scrape configuration it prints;
// then it serves, and the last day's client count is the live one.
func TestDemoBackfill(t *testing.T) {
	testenv.Integration(t)
	dir := t.TempDir()
	blocks := filepath.Join(dir, "blocks")
	// The demo serves only once the backfill is written.
	d := startDemo(t, dir, 120*time.Second, "--clients=60", "--backfill="+blocks, "--backfill-from=4d")
	addr, output := d.addr, d.output
	for _, want := range []string{"Wrote ", "--storage.tsdb.path=" + blocks, "targets: ['" + addr + "']", "job_name: retention"} {
		if !strings.Contains(output(), want) {
			t.Errorf("the demo does not print %q:\n%s", want, output())
		}
	}

	names, err := os.ReadDir(blocks)
	if err != nil || len(names) == 0 {
		t.Fatalf("no blocks in %s (%v):\n%s", blocks, err, output())
	}
	list, err := exec.Command("promtool", "tsdb", "list", blocks).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool tsdb list: %v\n%s", err, list)
	}
	for _, n := range names {
		if !strings.Contains(string(list), n.Name()) {
			t.Errorf("promtool does not list %s:\n%s", n.Name(), list)
		}
	}

	// Sum retention_clients per instant, straight from the blocks.
	clients := map[int64]float64{}
	for _, n := range names {
		b, err := tsdb.OpenBlock(nil, filepath.Join(blocks, n.Name()), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		q, err := tsdb.NewBlockQuerier(b, math.MinInt64, math.MaxInt64)
		if err != nil {
			t.Fatal(err)
		}
		set := q.Select(context.Background(), false, nil, labels.MustNewMatcher(labels.MatchEqual, model.MetricNameLabel, metrics.Clients))
		for set.Next() {
			s := set.At()
			if job := s.Labels().Get("job"); job != "retention" {
				t.Errorf("%s: job %q, want retention", s.Labels(), job)
			}
			it := s.Iterator(nil)
			for it.Next() != chunkenc.ValNone {
				ts, v := it.At()
				clients[ts] += v
			}
		}
		if err := set.Err(); err != nil {
			t.Fatal(err)
		}
		q.Close()
		b.Close()
	}
	// The span the demo says it backfills: 4 days back to the start of
	// today (of yesterday in the first 3 hours of a day).
	span := regexp.MustCompile(`Backfilling 5 days of history \((\S+) to (\S+)\)`).FindStringSubmatch(output())
	if span == nil {
		t.Fatalf("the demo does not say what it backfills:\n%s", output())
	}
	first, err1 := time.Parse(time.DateOnly, span[1])
	last, err2 := time.Parse(time.DateOnly, span[2])
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if err1 != nil || err2 != nil || !first.Equal(last.AddDate(0, 0, -4)) || last.After(today) || last.Before(today.AddDate(0, 0, -1)) {
		t.Fatalf("backfilled %s to %s on %s", span[1], span[2], today.Format(time.DateOnly))
	}
	if len(clients) != 5 {
		t.Errorf("samples at %d instants, want 5 (4 days back to today's start): %v", len(clients), clients)
	}
	for i := range 5 {
		at := last.AddDate(0, 0, -i)
		if clients[at.UnixMilli()] <= 0 {
			t.Errorf("no clients at %s: %v", at.Format(time.DateOnly), clients)
		}
	}

	f := d.metrics(t)
	live := 0.0
	for _, s := range f.Samples(metrics.Clients) {
		live += s.Value
	}
	// The MSP's dates are days, so the start of today and now agree.
	if got := clients[last.UnixMilli()]; last.Equal(today) && got != live {
		t.Errorf("clients on %s: backfilled %v, served now %v", last.Format(time.DateOnly), got, live)
	}
}

// TestDemoBackfillRefuses: a bad --backfill-from or a directory that is
// not empty stops the demo at once, with a message naming the problem.
func TestDemoBackfillRefuses(t *testing.T) {
	dir := t.TempDir()
	bin := buildDemo(t, dir)
	full := filepath.Join(dir, "full")
	if err := os.MkdirAll(filepath.Join(full, "wal"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--backfill=" + filepath.Join(dir, "new"), "--backfill-from=a year"}, `--backfill-from "a year": not a positive duration`},
		{[]string{"--backfill=" + full}, "is not empty (it holds wal)"},
	} {
		cmd := exec.Command(bin, append(c.args, "--web.listen-address=127.0.0.1:1")...)
		done := make(chan struct{})
		var out []byte
		var err error
		go func() { defer close(done); out, err = cmd.CombinedOutput() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("%v: still running after 30s:\n%s", c.args, out)
		}
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("%v: err %v, want a failure saying %q:\n%s", c.args, err, c.want, out)
		}
		if strings.Contains(string(out), "Generated") {
			t.Errorf("%v: generated the data before refusing:\n%s", c.args, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "new")); !os.IsNotExist(err) {
		t.Errorf("a refused backfill created its directory: %v", err)
	}
}

// demo is a running demo binary.
type demo struct {
	cmd        *exec.Cmd
	addr, base string
	output     func() string // what it printed so far
}

// startDemo builds and runs the demo with args on a free port, logging
// into dir, and waits up to timeout for it to be ready. It stops when
// the test ends.
func startDemo(t *testing.T, dir string, timeout time.Duration, args ...string) *demo {
	t.Helper()
	bin := buildDemo(t, dir)
	port, err := mariadbtest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	d := &demo{addr: fmt.Sprintf("127.0.0.1:%d", port)}
	d.base = "http://" + d.addr
	ctx, cancel := context.WithCancel(context.Background())
	d.cmd = exec.CommandContext(ctx, bin, append(args, "--web.listen-address="+d.addr)...)
	logPath := filepath.Join(dir, "demo.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = d.cmd.Wait(); logFile.Close() })
	d.cmd.Stdout, d.cmd.Stderr = logFile, logFile
	d.output = func() string {
		b, _ := os.ReadFile(logPath)
		return string(b)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitReady(t, d.base, timeout, d.output)
	return d
}

// metrics scrapes the demo's /metrics.
func (d *demo) metrics(t *testing.T) scrape.Families {
	t.Helper()
	body, err := scrape.Get(http.DefaultClient, d.base+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	f, err := scrape.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// waitReady waits until the demo at base answers /-/ready with 200.
func waitReady(t *testing.T, base string, timeout time.Duration, output func() string) {
	t.Helper()
	ready := testenv.Poll(timeout, func() bool {
		resp, err := http.Get(base + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if !ready {
		t.Fatalf("demo not ready after %s:\n%s", timeout, output())
	}
}
