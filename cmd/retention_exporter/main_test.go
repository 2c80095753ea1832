package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/scrape"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
)

// The read-only account the tests create from deploy/mysql/grants.sql.
const (
	roUser     = "retention_exporter"
	roPassword = "s3cret-Pa55word"
)

// The exporter binary and the shared MariaDB are made on first use, so
// that tests needing neither (kong parsing, configuration) do not wait
// for them, and under -short nothing starts MariaDB.
var (
	tmpDir    string
	buildOnce sync.Once
	binary    string // the exporter built for these tests
	buildErr  error
	dbOnce    sync.Once
	shared    *mariadbtest.Server // loaded with the reference schema and fixture
	dbErr     error
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if tmpDir, err = os.MkdirTemp("", "retention-exporter-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmpDir)
	defer func() {
		if shared != nil {
			shared.Stop()
		}
	}()
	return m.Run()
}

// exporterBinary builds the exporter once for the package's tests.
func exporterBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binary = filepath.Join(tmpDir, "retention_exporter")
		if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building the exporter: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// sharedDB starts, once, the MariaDB that most tests read: the reference
// schema, the read-only account and the fixture.
func sharedDB(t testing.TB) *mariadbtest.Server {
	t.Helper()
	testenv.Integration(t)
	dbOnce.Do(func() {
		db, err := mariadbtest.New(filepath.Join(tmpDir, "db"), 0)
		if err == nil {
			err = db.Start()
		}
		if err == nil {
			shared = db
			err = loadReference(db)
		}
		if err != nil {
			dbErr = fmt.Errorf("starting MariaDB: %w", err)
		}
	})
	if dbErr != nil {
		t.Fatal(dbErr)
	}
	return shared
}

// loadReference creates the reference databases from the shipped DDL and
// GRANTs, and loads the fixture.
func loadReference(s *mariadbtest.Server) error {
	root := filepath.Join("..", "..", "deploy", "mysql")
	grants, err := os.ReadFile(filepath.Join(root, "grants.sql"))
	if err != nil {
		return err
	}
	steps := []struct{ db, sql string }{
		{"", "CREATE DATABASE psa; CREATE DATABASE billing;"},
		{"psa", readFile(filepath.Join(root, "psa.sql"))},
		{"billing", readFile(filepath.Join(root, "billing.sql"))},
		{"", strings.ReplaceAll(string(grants), "change-me", roPassword)},
		{"psa", readFile(filepath.Join("testdata", "psa_fixture.sql"))},
		{"billing", readFile(filepath.Join("testdata", "billing_fixture.sql"))},
	}
	for _, st := range steps {
		if err := s.Exec(st.db, st.sql); err != nil {
			return fmt.Errorf("%.60s…: %w", st.sql, err)
		}
	}
	return nil
}

func readFile(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		panic(err)
	}
	return string(b)
}

type exporterProc struct {
	base       string
	logs       *testenv.Buffer
	cmd        *exec.Cmd
	configPath string
}

// readerEnv is the test's environment without RETENTION_ variables, and
// the read-only account's DSNs of the two servers.
func readerEnv(psaDB, billingDB *mariadbtest.Server) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RETENTION_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"RETENTION_PSA_DSN="+psaDB.DSN(roUser, roPassword, "psa"),
		"RETENTION_BILLING_DSN="+billingDB.DSN(roUser, roPassword, "billing"))
}

// startExporter runs the built binary with a config and the DSNs of db.
func startExporter(t *testing.T, db *mariadbtest.Server, config string, extraArgs ...string) *exporterProc {
	t.Helper()
	return startExporterOn(t, db, db, config, extraArgs...)
}

// startExporterOn runs the exporter with the PSA and billing databases on
// two servers.
func startExporterOn(t *testing.T, psaDB, billingDB *mariadbtest.Server, config string, extraArgs ...string) *exporterProc {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	port, err := mariadbtest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := append([]string{"--config.file=" + cfgPath, "--web.listen-address=" + addr, "--log.level=debug"}, extraArgs...)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, exporterBinary(t), args...)
	cmd.Env = readerEnv(psaDB, billingDB)
	logs := &testenv.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("exporter log:\n%s", logs.String())
		}
		if strings.Contains(logs.String(), roPassword) {
			t.Errorf("the DSN password appears in the exporter's log")
		}
	})
	p := &exporterProc{base: "http://" + addr, logs: logs, cmd: cmd, configPath: cfgPath}
	// Any HTTP answer means it listens (with TLS or auth it is not a 200).
	testenv.WaitFor(t, 10*time.Second, "exporter to listen", func() bool {
		resp, err := http.Get(p.base + "/-/healthy")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	})
	return p
}

// readyScrape waits until the exporter is ready and returns one scrape,
// raw and parsed.
func (p *exporterProc) readyScrape(t *testing.T) ([]byte, scrape.Families) {
	t.Helper()
	testenv.WaitFor(t, 30*time.Second, "readiness", func() bool { return p.status(t, "/-/ready") == http.StatusOK })
	body, err := scrape.Get(http.DefaultClient, p.base+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	f, err := scrape.Parse(body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return body, f
}

func (p *exporterProc) scrape(t *testing.T) scrape.Families {
	t.Helper()
	body, err := scrape.Get(http.DefaultClient, p.base+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	fams, err := scrape.Parse(body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

func (p *exporterProc) status(t *testing.T, path string) int {
	t.Helper()
	resp, err := http.Get(p.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func (p *exporterProc) post(t *testing.T, path string) int {
	t.Helper()
	resp, err := http.Post(p.base+path, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// value returns one series' value, failing the test when it is missing.
func value(t *testing.T, f scrape.Families, name string, l scrape.Labels) float64 {
	t.Helper()
	v, ok := f.Find(name, l)
	if !ok {
		t.Fatalf("%s%s: want exactly one series, have %v", name, l, f.Samples(name))
	}
	return v
}

// expectFamily checks that a family holds exactly the given series.
func expectFamily(t *testing.T, f scrape.Families, name string, want []scrape.Sample) {
	t.Helper()
	got := f.Samples(name)
	gotBy := map[string]float64{}
	for _, s := range got {
		gotBy[s.Labels.String()] = s.Value
	}
	wantBy := map[string]float64{}
	for _, s := range want {
		wantBy[s.Labels.String()] = s.Value
	}
	for k, w := range wantBy {
		g, ok := gotBy[k]
		switch {
		case !ok:
			t.Errorf("%s%s: missing, want %v", name, k, w)
		case math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)):
			t.Errorf("%s%s = %v, want %v", name, k, g, w)
		}
	}
	for k, g := range gotBy {
		if _, ok := wantBy[k]; !ok {
			t.Errorf("%s%s = %v: unexpected series", name, k, g)
		}
	}
}
