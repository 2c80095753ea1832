package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
)

// staticServer loads the least any server can do: a process that writes
// the exporter's last gzip body, with its length, and nothing else.
func (b *bench) staticServer(n int) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	srv, err := startServer(nil, self, func(addr string) []string {
		return []string{"--exporter=" + b.Exporter, "--serve-bytes=" + b.snapshotFile(), "--listen=" + addr}
	})
	if err != nil {
		return "", err
	}
	defer srv.stop()
	t := target{base: "http://" + srv.addr, last: "retention_source_up", sized: true}
	var gz int
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if _, gz, err = scrapeOnce(http.DefaultClient, t, true, &bytes.Buffer{}); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("static server: %w", err)
		}
	}
	r, err := b.load(t, 0)
	if err != nil {
		return "", err
	}
	return r.row(n, "static gzip bytes (baseline)", "", 0, gz, peakRSS(srv.cmd.Process.Pid)), nil
}

// server is a measured server process on a free loopback address.
type server struct {
	addr   string
	cmd    *exec.Cmd
	cancel context.CancelFunc
}

// startServer starts a server process listening on a free loopback
// address; args receives that address. extraEnv is added to the
// environment; the process's output goes to stderr.
func startServer(extraEnv []string, name string, args func(addr string) []string) (*server, error) {
	port, err := mariadbtest.FreePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, name, args(addr)...)
	cmd.Env = append(os.Environ(), extraEnv...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, err
	}
	return &server{addr: addr, cmd: cmd, cancel: cancel}, nil
}

// stop ends the process and waits for it.
func (s *server) stop() {
	s.cancel()
	_ = s.cmd.Wait()
}

// snapshotFile holds the exporter's last gzip body, for the baseline.
func (b *bench) snapshotFile() string { return filepath.Join(b.dir, "snapshot.gz") }

// serveBytes is the baseline server's main.
func serveBytes(c cli) error {
	body, err := os.ReadFile(c.ServeBytes)
	if err != nil {
		return err
	}
	http.Handle("/metrics", gzipBytes(body))
	return http.ListenAndServe(c.Listen, nil)
}

// gzipBytes answers every request with body, a gzip exposition, and its
// length: no negotiation, no rendering, no copy.
func gzipBytes(body []byte) http.HandlerFunc {
	length := strconv.Itoa(len(body))
	return func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", length)
		_, _ = w.Write(body)
	}
}
