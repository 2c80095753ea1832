package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/scrape"
	"github.com/retention-exporter/retention_exporter/metrics"
)

// TestDemo runs the demo binary as a newcomer would and checks that it
// serves every metric family of the catalogue and shows each story.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "retention_demo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	port, err := mariadbtest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--clients=120", "--web.listen-address="+addr)
	logFile, err := os.Create(filepath.Join(dir, "demo.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	output := func() string {
		b, _ := os.ReadFile(logFile.Name())
		return string(b)
	}
	cmd.Env = os.Environ()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	base := "http://" + addr
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(base + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo not ready after 90s:\n%s", output())
		}
		time.Sleep(200 * time.Millisecond)
	}
	body, err := scrape.Get(http.DefaultClient, base+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	f, err := scrape.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
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
