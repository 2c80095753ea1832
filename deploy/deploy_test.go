// Package deploy holds the deployment files; its tests check them as data
// and against real tools, since no container engine or cluster runs here.
package deploy

import (
	"bufio"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReleaseBuild runs the build the image runs: static, version stamped.
func TestReleaseBuild(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command("bash", "../.ci/build.sh")
	cmd.Env = append(os.Environ(), "VERSION=9.8.7", "REVISION=0123abc", "BRANCH=release", "OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	for _, name := range []string{"retention_exporter", "retention_datagen"} {
		f, err := elf.Open(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
				t.Errorf("%s is dynamically linked", name)
			}
		}
		f.Close()
	}
	v, err := exec.Command(filepath.Join(out, "retention_exporter"), "--version").CombinedOutput()
	if err != nil || !strings.Contains(string(v), "version 9.8.7 (branch: release, revision: 0123abc)") {
		t.Errorf("version not stamped: %v\n%s", err, v)
	}
}

// TestDockerfile: multi-stage, pinned bases, the tested build, non-root.
func TestDockerfile(t *testing.T) {
	f, err := os.Open("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var froms []string
	var user, entrypoint string
	build := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "FROM "):
			froms = append(froms, strings.Fields(line)[1])
			user = ""
		case strings.HasPrefix(line, "USER "):
			user = strings.TrimPrefix(line, "USER ")
		case strings.HasPrefix(line, "ENTRYPOINT "):
			entrypoint = line
		case strings.Contains(line, ".ci/build.sh") && strings.HasPrefix(line, "RUN "):
			build = true
		}
	}
	if len(froms) < 2 {
		t.Errorf("want a multi-stage build, have %v", froms)
	}
	pinned := regexp.MustCompile(`^[a-z0-9./-]+:[0-9a-z][0-9a-z.-]*$`)
	for _, img := range froms {
		if !pinned.MatchString(img) || strings.HasSuffix(img, ":latest") {
			t.Errorf("base image %q is not pinned to a tag", img)
		}
	}
	if !strings.Contains(froms[len(froms)-1], "distroless/static") {
		t.Errorf("final stage %q: want a static distroless base", froms[len(froms)-1])
	}
	if user == "" || strings.HasPrefix(user, "0") || strings.HasPrefix(user, "root") {
		t.Errorf("final stage runs as %q, want a non-root user", user)
	}
	if !build || !strings.Contains(entrypoint, "retention_exporter") {
		t.Errorf("the image does not build with .ci/build.sh or does not run the exporter (%q)", entrypoint)
	}
}

// TestSystemdUnit runs systemd-analyze verify on the unit, pointed at a
// built binary; any complaint fails.
func TestSystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not available")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "retention_exporter")
	if b, err := exec.Command("go", "build", "-o", bin, "../cmd/retention_exporter").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	unit, err := os.ReadFile("systemd/retention_exporter.service")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "retention_exporter.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/retention_exporter", bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || strings.Contains(string(out), "retention_exporter.service") {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	env, err := os.ReadFile("systemd/retention_exporter.env")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"RETENTION_PSA_DSN=", "RETENTION_BILLING_DSN="} {
		if !strings.Contains(string(env), v) {
			t.Errorf("the environment file lacks %s", v)
		}
	}
}
