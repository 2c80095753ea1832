package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeanBinary: the exporter links no cloud SDK, gRPC, OpenTelemetry or
// Kubernetes client. Prometheus's tsdb package would bring them all in
// with its database; the backfill uses only its index, chunk and
// tombstone writers.
func TestLeanBinary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	heavy := []string{"github.com/aws/", "github.com/Azure/", "cloud.google.com/", "google.golang.org/api",
		"google.golang.org/grpc", "go.opentelemetry.io/", "k8s.io/", "github.com/prometheus/prometheus/tsdb\n"}
	deps := string(out)
	for _, h := range heavy {
		if strings.Contains(deps, "\n"+h) {
			t.Errorf("retention_exporter links %s", strings.TrimSpace(h))
		}
	}
	if n := strings.Count(deps, "\n"); n > 400 {
		t.Errorf("retention_exporter links %d packages, want at most 400", n)
	}
}
