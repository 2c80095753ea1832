package main

import (
	"bytes"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/backfill"
	"github.com/retention-exporter/retention_exporter/config"
)

// TestBackfillOptions: the flags as the command reads them, and each bad
// input named in its error.
func TestBackfillOptions(t *testing.T) {
	cfg, err := config.ParseEnv([]byte("time_zone: Europe/Berlin\n"), "", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	berlin := cfg.Location()
	wall := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	early := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC) // 02:00 in Berlin
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, berlin) }
	cases := []struct {
		name     string
		cmd      BackfillCmd
		wall     time.Time
		from, to time.Time
		err      string
	}{
		{"dates", BackfillCmd{From: "2026-01-01", To: "2026-06-30", Step: "1d"}, wall, day(2026, 1, 1), day(2026, 6, 30), ""},
		{"default to", BackfillCmd{From: "2026-11-01", Step: "1d"}, wall, day(2026, 11, 1), day(2026, 12, 2), ""},
		{"default to before 3am", BackfillCmd{From: "2026-11-01", Step: "1d"}, early, day(2026, 11, 1), day(2026, 12, 1), ""},
		{"duration", BackfillCmd{From: "365d", Step: "1d"}, wall, day(2025, 12, 2), day(2026, 12, 2), ""},
		{"rfc3339", BackfillCmd{From: "2026-11-01T06:00:00Z", To: "2026-11-02T06:00:00Z", Step: "6h"}, wall,
			time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC), ""},
		{"from after to", BackfillCmd{From: "2026-07-01", To: "2026-06-30", Step: "1d"}, wall, time.Time{}, time.Time{}, "is after to"},
		{"zero step", BackfillCmd{From: "2026-01-01", Step: "0d"}, wall, time.Time{}, time.Time{}, `--step "0d": not a positive duration`},
		{"negative step", BackfillCmd{From: "2026-01-01", Step: "-1d"}, wall, time.Time{}, time.Time{}, `--step "-1d": not a positive duration`},
		{"word step", BackfillCmd{From: "2026-01-01", Step: "daily"}, wall, time.Time{}, time.Time{}, `--step "daily": not a positive duration`},
		{"bad date", BackfillCmd{From: "2026-13-01", Step: "1d"}, wall, time.Time{}, time.Time{}, `--from: "2026-13-01" is neither a date`},
		{"to too recent", BackfillCmd{From: "2026-11-01", To: "2026-12-02T08:00:00Z", Step: "1d"}, wall, time.Time{}, time.Time{}, "within 3h0m0s of the wall clock"},
		{"to in the future", BackfillCmd{From: "2026-11-01", To: "2027-01-01", Step: "1d"}, wall, time.Time{}, time.Time{}, "is in the future"},
		{"block duration", BackfillCmd{From: "2026-11-01", Step: "1d", BlockDuration: "5h"}, wall, time.Time{}, time.Time{}, "must be a multiple of 2h"},
		{"label", BackfillCmd{From: "2026-11-01", Step: "1d", Label: map[string]string{"bad-name": "x"}}, wall, time.Time{}, time.Time{}, `label "bad-name"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cmd.Output = t.TempDir()
			o, err := c.cmd.options(cfg, c.wall)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !o.From.Equal(c.from) || !o.To.Equal(c.to) {
				t.Errorf("from %s to %s, want %s to %s", o.From, o.To, c.from, c.to)
			}
		})
	}
}

// TestBackfillProgress: a terminal gets one line redrawn with the ETA, a
// log a line per instant.
func TestBackfillProgress(t *testing.T) {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	p := backfill.Progress{Done: 10, Total: 40, Instant: at, Elapsed: 20 * time.Second, Samples: 1234}

	var tty bytes.Buffer
	progress(&tty, true, nil)(p)
	if want := "\r2026-03-01  10/40 instants   25%  1234 samples  ETA 1m0s   "; tty.String() != want {
		t.Errorf("terminal: %q, want %q", tty.String(), want)
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	progress(&logs, false, logger)(p)
	progress(&logs, false, logger)(backfill.Progress{Done: 40, Total: 40, Instant: at.AddDate(0, 0, 30), Elapsed: time.Minute})
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "instant=2026-03-01T00:00:00Z done=10 total=40 samples=1234 eta=1m0s") ||
		!strings.Contains(lines[1], "done=40 total=40") || !strings.Contains(lines[1], "eta=0s") {
		t.Errorf("log lines:\n%s", logs.String())
	}
}

// runBackfillBinary runs the built binary's backfill on the shared
// MariaDB and returns its output and whether it succeeded.
func runBackfillBinary(t *testing.T, config string, args ...string) (string, bool) {
	t.Helper()
	cfgPath := filepath.Join(t.TempDir(), "config.yml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exporterBinary(t), append([]string{"--config.file=" + cfgPath, "backfill"}, args...)...)
	cmd.Env = readerEnv(sharedDB(t), sharedDB(t))
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), roPassword) {
		t.Errorf("the DSN password appears in the output")
	}
	return string(out), err == nil
}

// entries lists a directory; a missing one is empty.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestBackfillCommand runs the binary: it writes blocks; it refuses a
// non-empty output without --overwrite and a non-block directory even
// with it; an unwritable output and a query failing midway exit non-zero
// with a message naming the problem and leave no block behind.
func TestBackfillCommand(t *testing.T) {
	y, m, d := time.Now().UTC().Date()
	to := time.Date(y, m, d-1, 0, 0, 0, 0, time.UTC)
	span := []string{"--from=" + to.AddDate(0, 0, -9).Format(time.DateOnly), "--to=" + to.Format(time.DateOnly), "--block-duration=48h"}

	out := filepath.Join(t.TempDir(), "blocks")
	text, ok := runBackfillBinary(t, "", append(span, "--output="+out)...)
	if !ok || !strings.Contains(text, "Wrote ") {
		t.Fatalf("backfill failed:\n%s", text)
	}
	blocks := entries(t, out)
	if len(blocks) < 5 {
		t.Fatalf("%d blocks for 10 days of 48h blocks: %v\n%s", len(blocks), blocks, text)
	}
	// promtool reads every block.
	list, err := exec.Command("promtool", "tsdb", "list", out).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool tsdb list: %v\n%s", err, list)
	}
	for _, b := range blocks {
		if !strings.Contains(string(list), b) {
			t.Errorf("promtool does not list block %s:\n%s", b, list)
		}
	}

	text, ok = runBackfillBinary(t, "", append(span, "--output="+out)...)
	if ok || !strings.Contains(text, "is not empty") || !strings.Contains(text, "--overwrite") {
		t.Errorf("a second run into the same directory: ok=%v\n%s", ok, text)
	}
	text, ok = runBackfillBinary(t, "", append(span, "--output="+out, "--overwrite", "--series=portfolio")...)
	if !ok {
		t.Fatalf("--overwrite failed:\n%s", text)
	}
	if now := entries(t, out); len(now) != len(blocks) || slicesOverlap(now, blocks) {
		t.Errorf("--overwrite left %v, previous %v", now, blocks)
	}

	wal := t.TempDir()
	if err := os.Mkdir(filepath.Join(wal, "wal"), 0o755); err != nil {
		t.Fatal(err)
	}
	// One message with or without --overwrite, and none that suggests it.
	for _, overwrite := range []string{"--overwrite=false", "--overwrite"} {
		text, ok = runBackfillBinary(t, "", append(span, "--output="+wal, overwrite)...)
		if ok || !strings.Contains(text, "holds wal, which is not a block: give an empty or new directory") || strings.Contains(text, "pass --overwrite") {
			t.Errorf("%s: a Prometheus data directory was not refused as it should be: ok=%v\n%s", overwrite, ok, text)
		}
	}

	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	text, ok = runBackfillBinary(t, "", append(span, "--output="+filepath.Join(file, "blocks"))...)
	if ok || !strings.Contains(text, "output directory") {
		t.Errorf("an unwritable output was not refused: ok=%v\n%s", ok, text)
	}

	// The reviews query fails from the sixth instant on: its subquery
	// returns two rows there.
	failing := "queries:\n  reviews:\n    sql: |\n      SELECT client_id, MAX(held_at) AS last_review_at FROM reviews\n" +
		"      WHERE held_at <= :today AND 1 = (SELECT x FROM (SELECT 1 AS x UNION SELECT 2) two WHERE x = 1 OR :today > '" +
		to.AddDate(0, 0, -5).Format(time.DateOnly) + "')\n      GROUP BY client_id\n"
	midway := filepath.Join(t.TempDir(), "blocks")
	text, ok = runBackfillBinary(t, failing, append(span, "--output="+midway)...)
	if ok || !strings.Contains(text, "query reviews") || !strings.Contains(text, to.AddDate(0, 0, -4).Format(time.DateOnly)) {
		t.Errorf("a query failing midway: ok=%v\n%s", ok, text)
	}
	if left := entries(t, midway); len(left) != 0 {
		t.Errorf("a failed backfill left %v", left)
	}
}

func slicesOverlap(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// TestBackfillChecksOutputFirst: an output directory that cannot take the
// blocks is refused before any database is reached, so the message is
// about the directory even when the database is down.
func TestBackfillChecksOutputFirst(t *testing.T) {
	y, m, d := time.Now().UTC().Date()
	to := time.Date(y, m, d-1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "notes.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exporterBinary(t), "backfill", "--from=2d", "--to="+to, "--output="+full)
	cmd.Env = append(os.Environ(), "RETENTION_PSA_DSN=reader:secret@tcp(127.0.0.1:1)/psa", "RETENTION_BILLING_DSN=")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "holds notes.txt, which is not a block") {
		t.Errorf("err %v, want the output directory refused:\n%s", err, out)
	}
	if strings.Contains(string(out), "connect") || strings.Contains(string(out), "127.0.0.1:1") {
		t.Errorf("the database was reached before the output was checked:\n%s", out)
	}
}
