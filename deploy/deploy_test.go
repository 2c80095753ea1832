// Package deploy holds the deployment files; its tests check them as data
// and against real tools, since no container engine or cluster runs here.
package deploy

import (
	"bufio"
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/risk"
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

// TestSystemdUnit runs systemd-analyze verify on the units, pointed at a
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
	units, _ := filepath.Glob("systemd/*.service")
	timers, _ := filepath.Glob("systemd/*.timer")
	units = append(units, timers...)
	if len(units) < 3 {
		t.Fatalf("systemd/ holds %v, want the exporter's unit and the refit's service and timer", units)
	}
	var paths []string
	for _, u := range units {
		b, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, filepath.Base(u))
		if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(b), "/usr/local/bin/retention_exporter", bin)), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	out, err := exec.Command(analyze, append([]string{"verify"}, paths...)...).CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	for _, p := range paths {
		if bytes.Contains(out, []byte(filepath.Base(p))) {
			t.Errorf("systemd-analyze verify complains about %s:\n%s", filepath.Base(p), out)
		}
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

	// The timer's next three runs are on the 1st of three months in a row.
	timer := readUnit(t, "systemd/retention-exporter-refit.timer")
	cal := timer.get("Timer", "OnCalendar")
	out, err = exec.Command(analyze, "calendar", "--iterations=3", cal).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze calendar %q: %v\n%s", cal, err, out)
	}
	var runs []time.Time
	for _, m := range regexp.MustCompile(`(?m)(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d{2}-\d{2}) `).FindAllStringSubmatch(string(out), -1) {
		day, err := time.Parse(time.DateOnly, m[1])
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, day)
	}
	if len(runs) != 3 {
		t.Fatalf("systemd-analyze calendar %q: no three runs in\n%s", cal, out)
	}
	for i, day := range runs {
		if day.Day() != 1 || (i > 0 && !day.Equal(runs[i-1].AddDate(0, 1, 0))) {
			t.Errorf("OnCalendar=%s runs on %v: want the 1st of each month", cal, runs)
			break
		}
	}
}

// unit is a systemd unit file: each section's keys, each with its values
// in order (continuation lines joined).
type unit map[string]map[string][]string

func readUnit(t *testing.T, path string) unit {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	u := unit{}
	section := ""
	text := strings.ReplaceAll(string(b), "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: cannot read %q", path, line)
			}
			u[section][k] = append(u[section][k], strings.Join(strings.Fields(v), " "))
		}
	}
	return u
}

// get returns a key's last value, "" when it is not set.
func (u unit) get(section, key string) string {
	v := u[section][key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// TestSystemdRefit: the refit's service runs fit-risk as the exporter's
// unit runs the exporter (binary, environment file, configuration, dynamic
// user), writes the model into the state directory both units declare,
// reloads the exporter only after a fit that wrote it, and is locked down
// exactly as the exporter's unit; the timer starts it. The names and the
// path are those docs/risk.md gives.
func TestSystemdRefit(t *testing.T) {
	exp := readUnit(t, "systemd/retention_exporter.service")
	refit := readUnit(t, "systemd/retention-exporter-refit.service")
	timer := readUnit(t, "systemd/retention-exporter-refit.timer")
	es, rs := exp["Service"], refit["Service"]

	if got := refit.get("Service", "Type"); got != "oneshot" {
		t.Errorf("refit Type=%s, want oneshot: ExecStartPost= runs after the fit has exited", got)
	}
	if got, want := refit.get("Service", "EnvironmentFile"), exp.get("Service", "EnvironmentFile"); got != want || want == "" {
		t.Errorf("refit EnvironmentFile=%s, the exporter's %s", got, want)
	}
	expArgs, refitArgs := strings.Fields(exp.get("Service", "ExecStart")), strings.Fields(refit.get("Service", "ExecStart"))
	if len(expArgs) == 0 || len(refitArgs) == 0 || refitArgs[0] != expArgs[0] {
		t.Fatalf("refit ExecStart=%v, want the exporter's binary %v", refitArgs, expArgs)
	}
	cfg, _ := flag(expArgs, "config.file")
	if got, _ := flag(refitArgs, "config.file"); got != cfg || cfg == "" {
		t.Errorf("refit --config.file=%s, the exporter's %s", got, cfg)
	}
	if !slices.Contains(refitArgs, "fit-risk") || slices.Contains(refitArgs, "--force") {
		t.Errorf("refit runs %v, want fit-risk without --force", refitArgs)
	}
	out, _ := flag(refitArgs, "output")

	// One dynamic user, one state directory, holding the model.
	name := func(u unit, file string) string {
		if n := u.get("Service", "User"); n != "" {
			return n
		}
		return strings.TrimSuffix(filepath.Base(file), ".service")
	}
	if exp.get("Service", "DynamicUser") != "yes" || refit.get("Service", "DynamicUser") != "yes" ||
		name(exp, "retention_exporter.service") != name(refit, "retention-exporter-refit.service") {
		t.Errorf("the units run as %q and %q: want one dynamic user, which owns the state directory in both",
			name(exp, "retention_exporter.service"), name(refit, "retention-exporter-refit.service"))
	}
	state := exp.get("Service", "StateDirectory")
	if state == "" || refit.get("Service", "StateDirectory") != state {
		t.Errorf("StateDirectory= %q in the exporter's unit, %q in the refit's: both reach /var/lib/%s only by naming it",
			state, refit.get("Service", "StateDirectory"), state)
	}
	if out != "/var/lib/"+state+"/risk-model.json" {
		t.Errorf("refit --output=%s, want risk-model.json in the state directory /var/lib/%s", out, state)
	}

	// The reload: after a successful fit, as root, of the exporter's unit.
	post := strings.Fields(refit.get("Service", "ExecStartPost"))
	if len(post) != 3 || !strings.HasPrefix(post[0], "+") || filepath.Base(post[0]) != "systemctl" ||
		!slices.Contains([]string{"reload", "try-reload-or-restart", "reload-or-restart"}, post[1]) ||
		post[2] != "retention_exporter.service" {
		t.Errorf("refit ExecStartPost=%v: want +systemctl (try-)reload(-or-restart) retention_exporter.service", post)
	}

	// Hardening: every setting of the exporter's unit that is not about
	// what it runs holds in the refit's too.
	own := map[string]bool{"Type": true, "ExecStart": true, "ExecReload": true, "Restart": true, "RestartSec": true}
	n := 0
	for k, v := range es {
		if own[k] {
			continue
		}
		n++
		if !slices.Equal(rs[k], v) {
			t.Errorf("refit %s=%v, the exporter's unit %s=%v", k, rs[k], k, v)
		}
	}
	if n < 20 {
		t.Errorf("only %d settings of the exporter's unit compared: the parser misses the hardening", n)
	}

	// The timer: the refit's service, and runs missed while off happen.
	if u := timer.get("Timer", "Unit"); u != "" && u != "retention-exporter-refit.service" {
		t.Errorf("the timer starts %s", u)
	}
	if timer.get("Timer", "Persistent") != "yes" && timer.get("Timer", "Persistent") != "true" {
		t.Error("the timer is not Persistent=: a month whose run the host was off for is skipped")
	}
	if timer.get("Install", "WantedBy") != "timers.target" {
		t.Errorf("the timer is WantedBy=%s, want timers.target", timer.get("Install", "WantedBy"))
	}

	doc, err := os.ReadFile("../docs/risk.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"deploy/systemd/retention-exporter-refit.service", "deploy/systemd/retention-exporter-refit.timer", out} {
		if !strings.Contains(string(doc), s) {
			t.Errorf("docs/risk.md does not name %s", s)
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

// enableRisk uncomments the risk block a shipped configuration keeps
// commented out ("# risk:" and the "#   " lines under it), as the docs tell
// the operator to once the first refit has written the model. It returns
// the enabled text and the model file the block names.
func enableRisk(t *testing.T, what, text string) (string, string) {
	t.Helper()
	lines := strings.Split(text, "\n")
	start := slices.Index(lines, "# risk:")
	if start < 0 {
		t.Fatalf("%s has no commented-out risk block (# risk:) to enable", what)
	}
	modelFile := ""
	for i := start; i < len(lines) && (i == start || strings.HasPrefix(lines[i], "#   ")); i++ {
		lines[i] = strings.TrimPrefix(lines[i], "# ")
		if v, ok := strings.CutPrefix(strings.TrimSpace(lines[i]), "model_file:"); ok {
			modelFile = strings.TrimSpace(v)
		}
	}
	if modelFile == "" {
		t.Fatalf("%s: its risk block names no model_file", what)
	}
	return strings.Join(lines, "\n"), modelFile
}

// writeModel writes a model file the exporter loads.
func writeModel(t *testing.T, path string) {
	t.Helper()
	auc := 0.7
	f := &risk.File{Horizon: "90d", HorizonSeconds: 90 * 86400, TrainedAt: 1767225600, Step: "30d", Penalty: 1,
		Intercept: -3, Components: []risk.FileTerm{{Name: "utilization", Mean: 60, Scale: 15, Coefficient: -0.5}},
		LeftOut: []risk.FileLeftOut{}, Evaluation: risk.FileEval{Rows: 1000, Events: 50, Churners: 40, BaseRate: 0.05, AUC: &auc,
			Calibration: []risk.FileBin{}}}
	b, err := f.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
