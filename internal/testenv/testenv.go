// Package testenv holds what the tests share about their environment:
// which of them need programs beyond Go, and how they wait.
package testenv

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

// Integration skips t under go test -short: it needs a program beyond Go
// (MariaDB, Prometheus, promtool, Alertmanager, Node.js), which the
// project's test command installs. Pure unit tests run with Go alone.
func Integration(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs MariaDB, Prometheus, Alertmanager or Node.js: skipped with -short")
	}
}

// Poll reports whether cond became true within timeout, checking every
// 50ms.
func Poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// WaitFor fails t when cond does not become true within timeout; what
// names the condition in the failure.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Poll(timeout, cond) {
		t.Fatalf("timed out after %s waiting for %s", timeout, what)
	}
}

// Buffer collects output that several goroutines or a running process
// write, and that a test reads meanwhile.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
