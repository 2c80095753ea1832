package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/retention-exporter/retention_exporter/backfill"
	"github.com/retention-exporter/retention_exporter/config"
)

// span is one backfill to measure: an MSP size and a number of days.
type span struct {
	clients, days int
}

// parseSpans reads "2000:1095,20000:365" (clients:days).
func parseSpans(s string) ([]span, error) {
	var out []span
	for _, part := range strings.Split(s, ",") {
		c, d, ok := strings.Cut(strings.TrimSpace(part), ":")
		clients, err1 := strconv.Atoi(c)
		days, err2 := strconv.Atoi(d)
		if !ok || err1 != nil || err2 != nil || clients <= 0 || days <= 0 {
			return nil, fmt.Errorf("--backfill %q: want clients:days pairs such as 2000:1095", part)
		}
		out = append(out, span{clients, days})
	}
	return out, nil
}

// backfillRun is what one backfill reported and cost.
type backfillRun struct {
	wall                 time.Duration
	read, compute, write time.Duration
	floor                time.Duration
	instants             int
	samples, bytes       int64
	blocks               int
	peakRSS              int64 // bytes
}

func (r backfillRun) row(s span) string {
	return fmt.Sprintf("| %d | %d days | %d | %s | %s | %s | %.2f | %s | %s | %s MiB | %.1f MB | %d | %s |",
		s.clients, s.days, r.instants, r.wall.Round(time.Second), r.read.Round(time.Second), r.floor.Round(time.Second),
		r.read.Seconds()/r.floor.Seconds(), r.compute.Round(time.Second), r.write.Round(time.Second),
		thousands(r.peakRSS>>20), float64(r.bytes)/1e6, r.blocks, thousands(int64(float64(r.samples)/r.wall.Seconds())))
}

// backfill loads an MSP of s.clients and runs the exporter's backfill
// command over the s.days days before yesterday, daily; then it runs the
// same instants' queries with the mariadb client for the floor.
func (b *bench) backfill(s span) (backfillRun, error) {
	var r backfillRun
	if err := b.loadMSP(s.clients); err != nil {
		return r, err
	}
	cfgText := exporterConfig()
	cfgPath, err := b.writeConfig(cfgText)
	if err != nil {
		return r, err
	}
	cfg, err := config.Parse(cfgText, "")
	if err != nil {
		return r, err
	}
	y, m, d := time.Now().UTC().Date()
	to := time.Date(y, m, d-1, 0, 0, 0, 0, time.UTC)
	from := to.AddDate(0, 0, 1-s.days)
	out := filepath.Join(b.dir, "blocks")
	defer os.RemoveAll(out)

	logs, wall, rss, err := b.runExporter(cfgPath, "backfill",
		"--from="+from.Format(time.RFC3339), "--to="+to.Format(time.RFC3339), "--output="+out, "--overwrite")
	if err != nil {
		return r, err
	}
	r.wall, r.peakRSS = wall, rss
	if err := r.readLog(logs); err != nil {
		return r, err
	}
	r.floor, err = b.backfillFloor(cfg, backfill.Instants(from, to, 24*time.Hour))
	return r, err
}

// runExporter runs one of the exporter's commands with cfgPath and the
// bench's DSNs, and returns its output, its wall time and its peak RSS
// (the kernel's ru_maxrss, in bytes).
func (b *bench) runExporter(cfgPath, command string, args ...string) ([]byte, time.Duration, int64, error) {
	cmd := exec.Command(b.Exporter, append([]string{"--config.file=" + cfgPath, "--log.format=json", command}, args...)...)
	cmd.Env = append(os.Environ(), b.dsnEnv()...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %v\n%s", command, err, out.String())
	}
	wall := time.Since(start)
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss << 10
	}
	return out.Bytes(), wall, rss, nil
}

// readLog takes the totals from the backfill's last log line.
func (r *backfillRun) readLog(logs []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(logs))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l struct {
			Msg                  string
			Instants, Blocks     int
			Samples, Bytes       int64
			Read, Compute, Write string
		}
		if json.Unmarshal(sc.Bytes(), &l) != nil || l.Msg != "backfill done" {
			continue
		}
		r.instants, r.blocks, r.samples, r.bytes = l.Instants, l.Blocks, l.Samples, l.Bytes
		var err error
		for _, d := range []struct {
			s string
			v *time.Duration
		}{{l.Read, &r.read}, {l.Compute, &r.compute}, {l.Write, &r.write}} {
			if *d.v, err = time.ParseDuration(d.s); err != nil {
				return fmt.Errorf("backfill log: %w", err)
			}
		}
		return nil
	}
	return fmt.Errorf("the backfill logged no totals:\n%s", logs)
}

// backfillFloor is the database's own time for the backfill's reads:
// each source's queries at every instant as one mariadb client script,
// the slower source counting, as in the refresh floor.
func (b *bench) backfillFloor(cfg *config.Config, instants []time.Time) (time.Duration, error) {
	var psa, billing strings.Builder
	for _, at := range instants {
		for src, into := range map[string]*strings.Builder{config.PSA: &psa, config.Billing: &billing} {
			script, err := floorScript(cfg.Plan(src, at))
			if err != nil {
				return 0, err
			}
			into.WriteString(script)
		}
	}
	p, err := queryTime(b.db, "psa", psa.String())
	if err != nil {
		return 0, err
	}
	bl, err := queryTime(b.db, "billing", billing.String())
	if err != nil {
		return 0, err
	}
	return max(p, bl), nil
}

// runBackfills measures each span and prints the table.
func (b *bench) runBackfills(spans []span) error {
	fmt.Println("| active clients | span | instants | wall time | DB read | DB floor | read / floor | compute | append and write | peak RSS | blocks on disk | blocks | samples / s |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, s := range spans {
		r, err := b.backfill(s)
		if err != nil {
			return fmt.Errorf("%d clients over %d days: %w", s.clients, s.days, err)
		}
		fmt.Println(r.row(s))
	}
	return nil
}
