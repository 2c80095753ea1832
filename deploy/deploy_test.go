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

// TestSystemdUnitReload: systemctl reload sends SIGHUP, on which the
// exporter reads its configuration again.
func TestSystemdUnitReload(t *testing.T) {
	unit, err := os.ReadFile("systemd/retention_exporter.service")
	if err != nil {
		t.Fatal(err)
	}
	reload := regexp.MustCompile(`(?m)^ExecReload=/bin/kill (-HUP|-s HUP|-SIGHUP) \$MAINPID$`)
	if !reload.Match(unit) {
		t.Error("the unit has no ExecReload=/bin/kill -HUP $MAINPID")
	}
}

// dockerignore holds .dockerignore's patterns, matched as Docker does:
// from the context root, * and ? within one path element, ** across
// elements, a pattern matching a directory matches all under it, ! re-includes,
// and the last matching pattern wins.
type dockerignore []struct {
	re      *regexp.Regexp
	include bool
}

func parseDockerignore(t *testing.T, text string) dockerignore {
	t.Helper()
	var d dockerignore
	for _, line := range strings.Split(text, "\n") {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		include := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(filepath.Clean(strings.TrimPrefix(p, "!")), "/")
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(p); i++ {
			switch c := p[i]; {
			case strings.HasPrefix(p[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(p[i:], "**"):
				re.WriteString(".*")
				i++
			case c == '*':
				re.WriteString("[^/]*")
			case c == '?':
				re.WriteString("[^/]")
			case c == '[' || c == '\\':
				t.Fatalf(".dockerignore: %q: character classes and escapes are not checked here", line)
			default:
				re.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		re.WriteString("$")
		d = append(d, struct {
			re      *regexp.Regexp
			include bool
		}{regexp.MustCompile(re.String()), include})
	}
	return d
}

// ignored reports whether path (slash-separated, from the context root)
// stays out of the build context.
func (d dockerignore) ignored(path string) bool {
	ignored := false
	for _, p := range d {
		for dir := path; dir != "."; dir = filepath.Dir(dir) {
			if p.re.MatchString(dir) {
				ignored = !p.include
				break
			}
		}
	}
	return ignored
}

func TestDockerignoreMatcher(t *testing.T) {
	d := parseDockerignore(t, "/bin\n*.test\n**/*.out\nout\n!out/keep\ndocs/**/x")
	for path, want := range map[string]bool{
		"bin": true, "bin/a": true, "cmd/bin": false,
		"a.test": true, "cmd/a.test": false,
		"a.out": true, "cmd/x/a.out": true,
		"out/a": true, "out/keep": false, "out/keep/b": false,
		"docs/x": true, "docs/a/b/x": true, "docs/a/b/x/c": true, "docsx": false,
	} {
		if got := d.ignored(path); got != want {
			t.Errorf("%s ignored: %v, want %v", path, got, want)
		}
	}
}

// TestDockerignore: .dockerignore keeps .git and local output out of the
// build context, and keeps in everything the Dockerfile's build reads:
// what it COPYs and runs, every Go file, and every file go:embed embeds.
func TestDockerignore(t *testing.T) {
	b, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	d := parseDockerignore(t, string(b))
	for _, p := range []string{".git", ".git/HEAD", "retention_exporter", "retention_demo",
		"retention_datagen", "retention_bench", "deploy/deploy.test", "blocks/01J0/index"} {
		if !d.ignored(p) {
			t.Errorf(".dockerignore does not exclude %s", p)
		}
	}

	need := map[string]bool{}
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(df), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 2 && f[0] == "COPY" && !strings.HasPrefix(f[1], "--from"):
			for _, src := range f[1 : len(f)-1] {
				need[src] = true
			}
		case len(f) > 0 && f[0] == "RUN":
			for _, m := range regexp.MustCompile(`bash (\S+)`).FindAllStringSubmatch(line, -1) {
				need[m[1]] = true
			}
		}
	}
	if !need[".ci/build.sh"] || !need["go.mod"] {
		t.Errorf("the Dockerfile no longer COPYs go.mod or runs .ci/build.sh: %v", need)
	}
	files, err := exec.Command("git", "-C", "..", "ls-files", "*.go").Output()
	if err != nil {
		t.Skipf("git ls-files: %v", err)
	}
	for _, f := range strings.Fields(string(files)) {
		need[f] = true
	}
	// Files the release build compiles or embeds, tracked or not yet.
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-deps", "-f",
		`{{if and .Module .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{end}}`,
		"./cmd/retention_exporter", "./cmd/retention_datagen")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	embeds := 0
	for _, f := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			t.Fatal(err)
		}
		need[filepath.ToSlash(rel)] = true
		if !strings.HasSuffix(f, ".go") {
			embeds++
		}
	}
	if embeds == 0 {
		t.Error("go list found no embedded files; the check above is not seeing them")
	}
	for p := range need {
		if p != "." && d.ignored(p) {
			t.Errorf(".dockerignore excludes %s, which the image build needs", p)
		}
	}
}
