// Package promtest starts private Prometheus and Alertmanager processes
// for tests, each in a temporary directory on a free loopback port.
package promtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process is a running Prometheus or Alertmanager.
type Process struct {
	URL  string
	cmd  *exec.Cmd
	done chan error
	log  string
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// start runs binary on a free port and waits until readyPath answers 200.
// A port found free can be taken by another process before the binary
// binds it: then it tries another.
func start(dir, binary string, args func(addr string) []string, readyPath string) (*Process, error) {
	path, err := exec.LookPath(binary)
	if err != nil {
		return nil, fmt.Errorf("%s not found: install it (the test command does)", binary)
	}
	for try := 1; ; try++ {
		p, err := startOnce(dir, path, args, readyPath)
		if err == nil || try == 5 || !strings.Contains(err.Error(), "address already in use") {
			return p, err
		}
	}
}

func startOnce(dir, path string, args func(addr string) []string, readyPath string) (*Process, error) {
	binary := filepath.Base(path)
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, filepath.Base(binary)+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	p := &Process{URL: "http://" + addr, log: logPath, done: make(chan error, 1)}
	p.cmd = exec.Command(path, args(addr)...)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.done <- p.cmd.Wait(); logFile.Close() }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			return nil, fmt.Errorf("%s exited: %v\n%s", binary, err, p.Log())
		default:
		}
		if resp, err := http.Get(p.URL + readyPath); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.Stop()
	return nil, fmt.Errorf("%s not ready after 30s\n%s", binary, p.Log())
}

// Log returns what the process printed.
func (p *Process) Log() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// Stop ends the process.
func (p *Process) Stop() {
	if p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Prometheus3Env names the environment variable holding the path of a
// Prometheus 3 binary; the test command builds one and sets it.
const Prometheus3Env = "RETENTION_TEST_PROMETHEUS3"

// Prometheuses are the Prometheus binaries tests load data into: Debian's
// (2.x) and, when the test command built it, Prometheus 3.
func Prometheuses() []string {
	bins := []string{"prometheus"}
	if p := os.Getenv(Prometheus3Env); p != "" {
		bins = append(bins, p)
	}
	return bins
}

// StartPrometheus runs Prometheus with the config text (and any files it
// names, written beforehand into dir) and any further flags. Its data
// directory is dir/data.
func StartPrometheus(dir, config string, flags ...string) (*Process, error) {
	return StartPrometheusBinary("prometheus", dir, config, flags...)
}

// StartPrometheusBinary is StartPrometheus with the binary named.
func StartPrometheusBinary(binary, dir, config string, flags ...string) (*Process, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		return nil, err
	}
	return start(dir, binary, func(addr string) []string {
		return append([]string{"--config.file=" + cfgPath, "--storage.tsdb.path=" + filepath.Join(dir, "data"),
			"--web.listen-address=" + addr, "--log.level=warn"}, flags...)
	}, "/-/ready")
}

// StartAlertmanager runs Alertmanager with the config text, clustering off.
// It logs at debug level: the dispatcher's "flushing" lines tell a test
// when an aggregation group has run its notification pipeline.
func StartAlertmanager(dir, config string) (*Process, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		return nil, err
	}
	return start(dir, "prometheus-alertmanager", func(addr string) []string {
		return []string{"--config.file=" + cfgPath, "--storage.path=" + filepath.Join(dir, "am"),
			"--web.listen-address=" + addr, "--cluster.listen-address=", "--log.level=debug"}
	}, "/-/ready")
}

// Get returns the body of a successful GET of path.
func (p *Process) Get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	return b, nil
}

// GetJSON decodes the JSON answer to a GET of path into v.
func (p *Process) GetJSON(ctx context.Context, path string, v any) error {
	b, err := p.Get(ctx, path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

// Sample is one series of a query result.
type Sample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// Query runs an instant PromQL query against a Prometheus.
func (p *Process) Query(ctx context.Context, expr string) ([]Sample, error) {
	return p.query(ctx, "query="+url.QueryEscape(expr), expr)
}

// QueryAt runs an instant PromQL query evaluated at t.
func (p *Process) QueryAt(ctx context.Context, expr string, t time.Time) ([]Sample, error) {
	params := url.Values{"query": {expr}, "time": {strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)}}
	return p.query(ctx, params.Encode(), expr)
}

// Series is one series of a range query result.
type Series struct {
	Metric map[string]string `json:"metric"`
	Values [][2]any          `json:"values"`
}

// QueryRange runs a range query from start to end, step apart.
func (p *Process) QueryRange(ctx context.Context, expr string, start, end time.Time, step time.Duration) ([]Series, error) {
	params := url.Values{"query": {expr}, "start": {strconv.FormatInt(start.Unix(), 10)}, "end": {strconv.FormatInt(end.Unix(), 10)},
		"step": {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)}}
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []Series `json:"result"`
		} `json:"data"`
	}
	if err := p.GetJSON(ctx, "/api/v1/query_range?"+params.Encode(), &body); err != nil {
		return nil, fmt.Errorf("query %q: %w", expr, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query %q: %s", expr, body.Error)
	}
	return body.Data.Result, nil
}

func (p *Process) query(ctx context.Context, params, expr string) ([]Sample, error) {
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string   `json:"resultType"`
			Result     []Sample `json:"result"`
		} `json:"data"`
	}
	if err := p.GetJSON(ctx, "/api/v1/query?"+params, &body); err != nil {
		return nil, fmt.Errorf("query %q: %w", expr, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query %q: %s", expr, body.Error)
	}
	return body.Data.Result, nil
}

// CheckExpressions parses PromQL expressions with promtool, as recording
// rules in a file under dir, and returns promtool's complaint if any.
func CheckExpressions(dir string, exprs []string) error {
	var b strings.Builder
	b.WriteString("groups:\n- name: expressions\n  rules:\n")
	for i, e := range exprs {
		fmt.Fprintf(&b, "  - record: expression_%d\n    expr: |\n", i)
		for _, line := range strings.Split(e, "\n") {
			b.WriteString("      " + line + "\n")
		}
	}
	path := filepath.Join(dir, "expressions.rules.yml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return err
	}
	if out, err := exec.Command("promtool", "check", "rules", path).CombinedOutput(); err != nil {
		return fmt.Errorf("promtool check rules: %v\n%s", err, out)
	}
	return nil
}
