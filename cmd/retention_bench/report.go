package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// reportRun is what one report command cost and wrote.
type reportRun struct {
	wall    time.Duration
	peakRSS int64 // bytes
	files   int
	bytes   int64
}

func (r reportRun) cells() string {
	return fmt.Sprintf("%s | %s MiB | %s | %s kB", r.wall.Round(100*time.Millisecond), thousands(r.peakRSS>>20), thousands(int64(r.files)), thousands((r.bytes+500)/1000))
}

// report loads an MSP of n clients and runs the exporter's report
// command over its default period, the last complete calendar quarter:
// for the at-risk story's client as a page and as JSON, then with --all.
func (b *bench) report(n int) ([]reportRun, error) {
	if err := b.loadMSP(n); err != nil {
		return nil, err
	}
	cfgPath, err := b.writeConfig(exporterConfig())
	if err != nil {
		return nil, err
	}
	out := filepath.Join(b.dir, "reports")
	defer os.RemoveAll(out)
	var runs []reportRun
	for _, args := range [][]string{
		{"--client=CLS001", "--output=" + filepath.Join(out, "one.html")},
		{"--client=CLS001", "--format=json", "--output=" + filepath.Join(out, "one.json")},
		{"--all", "--output=" + filepath.Join(out, "all")},
	} {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return nil, err
		}
		_, wall, rss, err := b.runExporter(cfgPath, "report", args...)
		if err != nil {
			return nil, err
		}
		r := reportRun{wall: wall, peakRSS: rss}
		err = filepath.Walk(out, func(_ string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				r.files++
				r.bytes += fi.Size()
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
		if err := os.RemoveAll(out); err != nil {
			return nil, err
		}
	}
	return runs, nil
}

// runReports measures each size and prints the table.
func (b *bench) runReports(sizes []int) error {
	fmt.Println("| active clients | command | wall time | peak RSS | files | written |")
	fmt.Println("|---:|---|---:|---:|---:|---:|")
	for _, n := range sizes {
		runs, err := b.report(n)
		if err != nil {
			return fmt.Errorf("%d clients: %w", n, err)
		}
		for i, what := range []string{"one client, page", "one client, JSON", "`--all`, pages"} {
			fmt.Printf("| %s | %s | %s |\n", thousands(int64(n)), what, runs[i].cells())
		}
	}
	return nil
}
