package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"

	"github.com/retention-exporter/retention_exporter/internal/testenv"
	"github.com/retention-exporter/retention_exporter/metrics"
	"github.com/retention-exporter/retention_exporter/report"
)

func TestReportPeriod(t *testing.T) {
	wall := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		from, to         string
		wantFrom, wantTo string
		err              string
	}{
		{"", "", "2026-07-01", "2026-09-30", ""},
		{"2026-10-01", "2026-12-07", "2026-10-01", "2026-12-07", ""},
		{"2026-10-01", "", "", "", "--from and --to go together"},
		{"2026-10-01", "2026-09-30", "", "", "--to 2026-09-30 is before --from 2026-10-01"},
		{"2026-10-01", "2026-12-08", "", "", "--to 2026-12-08 has not begun yet"},
		{"1 Oct", "2026-12-01", "", "", `--from "1 Oct": not a date`},
	} {
		r := ReportCmd{From: tt.from, To: tt.to}
		from, to, err := r.period(time.UTC, wall)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q to %q: error %v, want %q", tt.from, tt.to, err, tt.err)
			}
			continue
		}
		if err != nil || from.Format(time.DateOnly) != tt.wantFrom || to.Format(time.DateOnly) != tt.wantTo {
			t.Errorf("%q to %q: %s to %s (%v), want %s to %s", tt.from, tt.to, from, to, err, tt.wantFrom, tt.wantTo)
		}
	}
	// In a quarter's first month, the last complete one is the previous year's.
	r := ReportCmd{}
	from, to, _ := r.period(time.UTC, time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC))
	if from.Format(time.DateOnly) != "2026-10-01" || to.Format(time.DateOnly) != "2026-12-31" {
		t.Errorf("in January: %s to %s", from, to)
	}
}

func TestReportNeedsOneClientOrAll(t *testing.T) {
	for _, r := range []ReportCmd{{}, {Client: "c1", All: true, Output: t.TempDir()}} {
		if err := r.check(); err == nil || !strings.Contains(err.Error(), "give --client ID (or an exact name) or --all") {
			t.Errorf("%+v: %v", r, err)
		}
	}
}

func TestReportFileName(t *testing.T) {
	for id, want := range map[string]string{"CL000001": "CL000001", "a/b": "a_b-", "": "-", ".hidden": ".hidden-", "Ünïcode": "_n_code-"} {
		got := fileName(id)
		if got != want && !(strings.HasSuffix(want, "-") && strings.HasPrefix(got, want) && len(got) == len(want)+8) {
			t.Errorf("fileName(%q) = %q", id, got)
		}
	}
	if fileName("a/b") == fileName("a_b") || fileName("a/b") == fileName("a:b") {
		t.Error("two ids give one file name")
	}
}

// runReport runs the binary's report on the fixture's databases.
func runReport(t *testing.T, args ...string) (string, bool) {
	t.Helper()
	cfgPath := filepath.Join(t.TempDir(), "config.yml")
	if err := os.WriteFile(cfgPath, []byte("report: {msp_name: Northwind IT}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exporterBinary(t), append([]string{"--config.file=" + cfgPath, "report"}, args...)...)
	cmd.Env = readerEnv(sharedDB(t), sharedDB(t))
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), roPassword) {
		t.Errorf("the DSN password appears in the output")
	}
	return string(out), err == nil
}

func readReport(t *testing.T, path string) *report.Data {
	t.Helper()
	var d report.Data
	if err := json.Unmarshal(readBytes(t, path), &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// fixturePeriod is the 40 days before today (UTC), when the fixture's
// Delta (c4) churns, Acme's (c1) bridge contract is renewed and Gamma
// (c3) becomes a customer, with tickets but no SLA ticket or survey.
func fixturePeriod() (from, to time.Time) {
	y, m, d := time.Now().UTC().Date()
	to = time.Date(y, m, d-1, 0, 0, 0, 0, time.UTC)
	return to.AddDate(0, 0, -39), to
}

// TestReportIsBackfill: on MariaDB, the JSON report of each fixture
// client holds, day by day, exactly the client's per-client and
// per-contract series that backfill writes for the same days.
func TestReportIsBackfill(t *testing.T) {
	from, to := fixturePeriod()
	dir := t.TempDir()
	blocks := filepath.Join(dir, "blocks")
	span := []string{"--from=" + from.Format(time.DateOnly), "--to=" + to.Format(time.DateOnly)}
	if out, ok := runBackfillBinary(t, "report: {msp_name: Northwind IT}\n", append(span, "--output="+blocks)...); !ok {
		t.Fatalf("backfill failed:\n%s", out)
	}
	written := backfilled(t, blocks)
	days := report.Days(from, to, time.UTC)
	for _, id := range []string{"c1", "c2", "c3", "c4", "c7"} {
		path := filepath.Join(dir, id+".json")
		if out, ok := runReport(t, append(span, "--client="+id, "--format=json", "--output="+path)...); !ok {
			t.Fatalf("report %s failed:\n%s", id, out)
		}
		d := readReport(t, path)
		if d.ClientID != id || d.From != from.Format(time.DateOnly) || d.To != to.Format(time.DateOnly) || len(d.Days) != len(days) {
			t.Fatalf("%s: client %s, %s to %s, %d days", id, d.ClientID, d.From, d.To, len(d.Days))
		}
		samples := 0
		for i, day := range d.Days {
			at := days[i]
			got := map[string]float64{}
			for _, s := range day.Series {
				if _, dup := got[seriesKey(s.Name, s.Labels)]; dup {
					t.Errorf("%s on %s: %s twice", id, day.Date, seriesKey(s.Name, s.Labels))
				}
				got[seriesKey(s.Name, s.Labels)] = s.Value
			}
			want := written[at.UnixMilli()][id]
			if day.Date != at.Format(time.DateOnly) {
				t.Errorf("%s: day %d is %s, want %s", id, i, day.Date, at.Format(time.DateOnly))
			}
			for k, v := range want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s on %s: %s is %v (present %v), backfill wrote %v", id, day.Date, k, g, ok, v)
				}
			}
			for k, v := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("%s on %s: %s = %v, not written by backfill", id, day.Date, k, v)
				}
			}
			samples += len(got)
		}
		if samples == 0 {
			t.Errorf("%s: no series in the period", id)
		}
		if t.Failed() {
			return
		}
	}
	// The cases the fixture covers, seen in the JSON.
	c4 := readReport(t, filepath.Join(dir, "c4.json"))
	if n := len(c4.Days[len(c4.Days)-1].Series); n != 0 {
		t.Errorf("Delta churned 10 days ago yet has %d series on the last day", n)
	}
	c3 := readReport(t, filepath.Join(dir, "c3.json"))
	for _, s := range c3.Days[len(c3.Days)-1].Series {
		if s.Name == metrics.ClientSLACompliance || s.Name == metrics.ClientCSAT {
			t.Errorf("Gamma, without SLA tickets or surveys, has %s", s.Name)
		}
	}
	c1 := readReport(t, filepath.Join(dir, "c1.json"))
	if !hasContract(c1.Days[0], "k10") || hasContract(c1.Days[len(c1.Days)-1], "k10") || !hasContract(c1.Days[len(c1.Days)-1], "k1") {
		t.Error("Acme's bridge contract k10 is not renewed within the period")
	}
}

func hasContract(d report.Day, id string) bool {
	return slices.ContainsFunc(d.Series, func(s report.Series) bool { return s.Labels[metrics.LabelContractID] == id })
}

func seriesKey(name string, l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(name)
	for _, k := range keys {
		fmt.Fprintf(&b, ",%s=%q", k, l[k])
	}
	return b.String()
}

// backfilled reads the per-client and per-contract samples of the blocks
// in dir: by instant (Unix ms), client id and series, without job.
func backfilled(t *testing.T, dir string) map[int64]map[string]map[string]float64 {
	t.Helper()
	out := map[int64]map[string]map[string]float64{}
	for _, n := range entries(t, dir) {
		b, err := tsdb.OpenBlock(nil, filepath.Join(dir, n), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		q, err := tsdb.NewBlockQuerier(b, math.MinInt64, math.MaxInt64)
		if err != nil {
			t.Fatal(err)
		}
		set := q.Select(context.Background(), false, nil, labels.MustNewMatcher(labels.MatchRegexp, model.MetricNameLabel, "retention_(client|contract)_.+"))
		for set.Next() {
			s := set.At()
			l := map[string]string{}
			s.Labels().Range(func(x labels.Label) {
				if x.Name != model.MetricNameLabel && x.Name != "job" {
					l[x.Name] = x.Value
				}
			})
			k := seriesKey(s.Labels().Get(model.MetricNameLabel), l)
			it := s.Iterator(nil)
			for it.Next() != chunkenc.ValNone {
				ts, v := it.At()
				if out[ts] == nil {
					out[ts] = map[string]map[string]float64{}
				}
				if out[ts][l[metrics.LabelClientID]] == nil {
					out[ts][l[metrics.LabelClientID]] = map[string]float64{}
				}
				out[ts][l[metrics.LabelClientID]][k] = v
			}
		}
		if err := set.Err(); err != nil {
			t.Fatal(err)
		}
		q.Close()
		b.Close()
	}
	return out
}

// TestReportCommand: --all writes a page for each client active at the
// end and none for one that churned; an explicit client that churned is
// said to have; clients are found by exact name; unknown and former
// clients are refused with the reason.
func TestReportCommand(t *testing.T) {
	from, to := fixturePeriod()
	span := []string{"--from=" + from.Format(time.DateOnly), "--to=" + to.Format(time.DateOnly)}
	dir := t.TempDir()
	all := filepath.Join(dir, "all")
	out, ok := runReport(t, append(span, "--all", "--output="+all)...)
	if !ok || !strings.Contains(out, "Wrote 4 reports to "+all) {
		t.Fatalf("--all: ok %v\n%s", ok, out)
	}
	if got := entries(t, all); strings.Join(got, " ") != "c1.html c2.html c3.html c7.html" {
		t.Errorf("--all wrote %v, want the clients active at --to (not Delta, c4, which churned)", got)
	}
	if out, ok := runReport(t, append(span, "--all", "--output="+all)...); ok || !strings.Contains(out, "is not empty") {
		t.Errorf("--all into a written directory: ok %v\n%s", ok, out)
	}

	// A page is a function of the data, the configuration and the period:
	// the same for one client as in --all, run after run.
	one := filepath.Join(dir, "c1.html")
	if out, ok := runReport(t, append(span, "--client=c1", "--output="+one)...); !ok {
		t.Fatalf("report c1: %s", out)
	}
	if string(readBytes(t, one)) != string(readBytes(t, filepath.Join(all, "c1.html"))) {
		t.Error("c1's page differs between --client and --all")
	}

	page := filepath.Join(dir, "delta.html")
	if out, ok := runReport(t, append(span, "--client=Delta", "--output="+page)...); !ok {
		t.Fatalf("report Delta: %s", out)
	}
	churned := to.AddDate(0, 0, -9).Format("2 Jan 2006")
	if text := string(readBytes(t, page)); !strings.Contains(text, "Churned on "+churned) || !strings.Contains(text, "Northwind IT") {
		t.Errorf("Delta's page does not say it churned on %s", churned)
	}
	for _, tt := range []struct{ client, want string }{
		{"Nobody Ltd", `no client has the id or the name "Nobody Ltd"`},
		{"c6", "Zeta (c6) was not a customer from "},
	} {
		if out, ok := runReport(t, append(span, "--client="+tt.client, "--output="+filepath.Join(dir, "x.html"))...); ok || !strings.Contains(out, tt.want) {
			t.Errorf("--client=%s: ok %v, want %q:\n%s", tt.client, ok, tt.want, out)
		}
	}
}

// TestReportInBrowser renders pages in headless Chromium as a reader
// sees them: printed to A4 and to Letter on the expected pages with the
// expected text, a screenshot, and charts with a point for each day the
// JSON has a value.
func TestReportInBrowser(t *testing.T) {
	testenv.Integration(t)
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium not found: install the Debian package chromium (the test command does)")
	}
	from, to := fixturePeriod()
	span := []string{"--from=" + from.Format(time.DateOnly), "--to=" + to.Format(time.DateOnly)}
	dir := t.TempDir()
	for _, tt := range []struct {
		client string
		texts  []string
	}{
		{"c1", []string{"Acme Corp", "Northwind IT", "Service delivered", "Health", "What changed", "Commitments",
			"Managed bridge ended on " + to.AddDate(0, 0, -4).Format("2 Jan 2006") + "; renewed by Managed Services.",
			"Billing", "Recommendations", "Customer satisfaction"}},
		{"c3", []string{"Gamma", "Became a customer during the period", "no data (no SLA tickets)", "no data (no responses)"}},
	} {
		page := filepath.Join(dir, tt.client+".html")
		data := filepath.Join(dir, tt.client+".json")
		for _, f := range []struct{ format, path string }{{"html", page}, {"json", data}} {
			if out, ok := runReport(t, append(span, "--client="+tt.client, "--format="+f.format, "--output="+f.path)...); !ok {
				t.Fatalf("report %s: %s", tt.client, out)
			}
		}
		html := string(readBytes(t, page))
		d := readReport(t, data)
		for chart, metric := range map[string]string{"health-chart": metrics.ClientHealthScore, "utilization-chart": metrics.ClientUtilization} {
			want := 0
			for _, day := range d.Days {
				if slices.ContainsFunc(day.Series, func(s report.Series) bool { return s.Name == metric }) {
					want++
				}
			}
			if got := chartPoints(t, html, chart); got != want || (want == 0 && tt.client == "c1") {
				t.Errorf("%s: %s draws %d points, the JSON has %d days with %s", tt.client, chart, got, want, metric)
			}
		}

		for _, paper := range []struct{ css, size string }{{"A4", " pts (A4)\n"}, {"letter", "612 x 792 pts (letter)\n"}} {
			// The page leaves the paper to the printer; the test names it.
			sized := filepath.Join(dir, tt.client+"-"+paper.css+".html")
			styled := strings.Replace(html, "</head>", "<style>@page { size: "+paper.css+"; }</style></head>", 1)
			if err := os.WriteFile(sized, []byte(styled), 0o644); err != nil {
				t.Fatal(err)
			}
			pdf := strings.TrimSuffix(sized, ".html") + ".pdf"
			runBrowser(t, browser, pdf, "--print-to-pdf="+pdf, "--no-pdf-header-footer", "file://"+sized)
			info := poppler(t, "pdfinfo", pdf)
			if !strings.Contains(info, "Pages:           2\n") || !strings.Contains(info, paper.size) {
				t.Errorf("%s on %s: want 2 pages of %s:\n%s", tt.client, paper.css, paper.size, info)
			}
			text := strings.Join(strings.Fields(poppler(t, "pdftotext", pdf, "-")), " ")
			for _, want := range tt.texts {
				if !strings.Contains(text, want) {
					t.Errorf("%s on %s: the PDF lacks %q:\n%s", tt.client, paper.css, want, text)
				}
			}
		}

		shot := filepath.Join(dir, tt.client+".png")
		runBrowser(t, browser, shot, "--screenshot="+shot, "--window-size=900,2400", "--hide-scrollbars", "file://"+page)
		f, err := os.Open(shot)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 900 || b.Dy() != 2400 {
			t.Errorf("%s: screenshot of %v", tt.client, b)
		}
		// The header's rule is drawn in the page's blue.
		blue := 0
		for y := 0; y < 400; y++ {
			for x := 0; x < 900; x++ {
				r, g, b, _ := img.At(x, y).RGBA()
				if r>>8 < 0x40 && g>>8 > 0x40 && g>>8 < 0x60 && b>>8 > 0x68 && b>>8 < 0x88 {
					blue++
				}
			}
		}
		if blue < 500 {
			t.Errorf("%s: the screenshot shows %d pixels of the header's blue: was the page drawn?", tt.client, blue)
		}
	}
}

// chartPoints counts the points a chart of the page draws.
func chartPoints(t *testing.T, html, id string) int {
	t.Helper()
	svg := regexp.MustCompile(`(?s)<svg class="chart" id="` + id + `".*?</svg>`).FindString(html)
	if svg == "" {
		t.Fatalf("no chart %s", id)
	}
	n := 0
	for _, m := range regexp.MustCompile(`<polyline class="line" points="([^"]*)"`).FindAllStringSubmatch(svg, -1) {
		n += len(strings.Fields(m[1]))
	}
	declared, _ := strconv.Atoi(regexp.MustCompile(`data-points="(\d+)"`).FindStringSubmatch(svg)[1])
	if n += strings.Count(svg, `<circle class="dot"`); n != declared {
		t.Errorf("%s draws %d points and declares %d", id, n, declared)
	}
	return n
}

// runBrowser runs headless Chromium until it has written out.
func runBrowser(t *testing.T, browser, out string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir=" + t.TempDir()}, args...)...)
	if log, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, log)
	}
	testenv.WaitFor(t, 10*time.Second, out+" written", func() bool {
		st, err := os.Stat(out)
		return err == nil && st.Size() > 0
	})
}

// poppler runs one of poppler-utils' programs and returns its output.
func poppler(t *testing.T, program string, args ...string) string {
	t.Helper()
	out, err := exec.Command(program, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v (install the Debian package poppler-utils; the test command does)\n%s", program, args, err, out)
	}
	return string(out)
}
