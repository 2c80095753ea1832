package deploy

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	kusttypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/retention-exporter/retention_exporter/config"
)

// decodeStrict decodes one YAML object into the real API type of its
// kind, failing on any field the type does not have.
func decodeStrict(t *testing.T, where string, doc []byte) any {
	t.Helper()
	js, err := yaml.YAMLToJSON(doc)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	var meta struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(js, &meta); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	var obj any
	switch meta.Kind {
	case "Deployment":
		obj = &appsv1.Deployment{}
	case "Service":
		obj = &corev1.Service{}
	case "Secret":
		obj = &corev1.Secret{}
	case "ConfigMap":
		obj = &corev1.ConfigMap{}
	case "ServiceMonitor":
		obj = &monitoringv1.ServiceMonitor{}
	case "PrometheusRule":
		obj = &monitoringv1.PrometheusRule{}
	default:
		t.Fatalf("%s: unexpected kind %q", where, meta.Kind)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		t.Errorf("%s (%s): %v", where, meta.Kind, err)
	}
	return obj
}

// rendered is one resource the kustomization renders, decoded strictly.
type rendered struct {
	kind, name, namespace string
	obj                   any
}

// renderBase renders deploy/kubernetes and returns its resources, with
// the Deployment and the exporter's config ConfigMap among them.
func renderBase(t *testing.T) ([]rendered, *appsv1.Deployment, *corev1.ConfigMap) {
	t.Helper()
	var out []rendered
	var dep *appsv1.Deployment
	var cfgMap *corev1.ConfigMap
	for _, r := range kustomizeBuild(t, filesys.MakeFsOnDisk(), "kubernetes") {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		obj := decodeStrict(t, "rendered "+r.GetKind()+"/"+r.GetName(), y)
		out = append(out, rendered{r.GetKind(), r.GetName(), r.GetNamespace(), obj})
		switch o := obj.(type) {
		case *appsv1.Deployment:
			dep = o
		case *corev1.ConfigMap:
			if strings.HasPrefix(o.Name, "retention-exporter-config") {
				cfgMap = o
			}
		}
	}
	if dep == nil || cfgMap == nil {
		t.Fatal("no Deployment or config ConfigMap rendered")
	}
	return out, dep, cfgMap
}

// TestKubernetesManifests decodes every manifest strictly, then renders
// the kustomization and decodes and checks what it renders.
func TestKubernetesManifests(t *testing.T) {
	files, _ := filepath.Glob("kubernetes/*.yaml")
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range bytes.Split(b, []byte("\n---\n")) {
			decodeStrict(t, f+"#"+string(rune('0'+i)), doc)
		}
	}

	kinds := map[string]int{}
	objs, dep, cfgMap := renderBase(t)
	for _, r := range objs {
		kinds[r.kind]++
		if r.namespace != "monitoring" {
			t.Errorf("%s/%s in namespace %q", r.kind, r.name, r.namespace)
		}
		if o, ok := r.obj.(*corev1.Secret); ok {
			// The user creates the Secret; an applied example would
			// overwrite it with change-me DSNs.
			t.Errorf("the kustomization applies the Secret %s: keep secret.example.yaml out of it", o.Name)
		}
	}
	want := map[string]int{"Deployment": 1, "Service": 1, "ServiceMonitor": 1, "PrometheusRule": 1, "ConfigMap": 5}
	for kind, n := range want {
		if kinds[kind] != n {
			t.Errorf("rendered %d %s, want %d", kinds[kind], kind, n)
		}
	}
	if _, err := config.Parse([]byte(cfgMap.Data["config.yml"]), ""); err != nil {
		t.Errorf("the ConfigMap's config.yml does not load: %v", err)
	}

	// The pod: non-root, read-only root, no escalation, probes on the
	// exporter's health endpoints, resources set, the generated ConfigMap used.
	pod := dep.Spec.Template.Spec
	c := pod.Containers[0]
	if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
		t.Error("the pod may run as root")
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("container securityContext too loose: %+v", sc)
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != "/-/healthy" ||
		c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/-/ready" {
		t.Error("probes are not on /-/healthy and /-/ready")
	}
	if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Error("memory request and limit not set")
	}
	found := false
	for _, v := range pod.Volumes {
		found = found || (v.ConfigMap != nil && v.ConfigMap.Name == cfgMap.Name)
	}
	if !found {
		t.Errorf("the Deployment does not mount the generated ConfigMap %s", cfgMap.Name)
	}
	for _, a := range c.Args {
		if strings.Contains(a, "@tcp(") {
			t.Error("a DSN on the command line")
		}
	}
}

// kustomizeBuild renders the kustomization in dir, as kubectl apply -k does.
func kustomizeBuild(t *testing.T, fs filesys.FileSystem, dir string) []*resource.Resource {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(fs, dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	return res.Resources()
}

// codeBlocks returns the fenced code blocks of a Markdown file, unindented.
func codeBlocks(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	var cur []string
	indent, in := "", false
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case !in && strings.HasPrefix(trimmed, "```"):
			in, cur = true, nil
			indent = line[:len(line)-len(strings.TrimLeft(line, " "))]
		case in && trimmed == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n")+"\n")
		case in:
			cur = append(cur, strings.TrimPrefix(line, indent))
		}
	}
	return blocks
}

// isPlaceholder reports whether an image is in a reserved example domain,
// which no one can publish to.
func isPlaceholder(image string) bool {
	host, _, _ := strings.Cut(image, "/")
	return strings.HasSuffix(host, ".example") || strings.HasSuffix(host, ".example.com") ||
		strings.HasSuffix(host, ".example.net") || strings.HasSuffix(host, ".example.org")
}

// TestKubernetesDocs follows the Kubernetes steps of docs/deploy.md: the
// shipped image is a placeholder, the documented overlay replaces it, and
// the documented Secret is the one the Deployment mounts, in its
// namespace, with every key the configuration reads.
func TestKubernetesDocs(t *testing.T) {
	_, dep, cfgMap := renderBase(t)
	image := dep.Spec.Template.Spec.Containers[0].Image
	imageName, _, _ := strings.Cut(image, ":")
	if !isPlaceholder(image) {
		t.Errorf("the Deployment pulls %s, a real-looking image; no image is published, so name a placeholder", image)
	}

	// The overlay: the first Kustomization in the docs, written where its
	// first line says, next to a copy of deploy/kubernetes.
	blocks := codeBlocks(t, "../docs/deploy.md")
	var overlay string
	for _, b := range blocks {
		if strings.Contains(b, "kind: Kustomization") {
			overlay = b
			break
		}
	}
	path, ok := strings.CutPrefix(strings.SplitN(overlay, "\n", 2)[0], "# ")
	if !ok || !strings.HasSuffix(path, "/kustomization.yaml") {
		t.Fatalf("docs/deploy.md has no overlay whose first line names its path:\n%s", overlay)
	}
	var kust kusttypes.Kustomization
	if err := yaml.UnmarshalStrict([]byte(overlay), &kust); err != nil {
		t.Fatalf("the documented overlay: %v", err)
	}
	if len(kust.Images) != 1 || kust.Images[0].Name != imageName || kust.Images[0].NewName == "" {
		t.Fatalf("the documented overlay's images do not replace %s: %+v", imageName, kust.Images)
	}
	fs := filesys.MakeFsInMemory()
	files, _ := filepath.Glob("kubernetes/*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := fs.WriteFile("/repo/deploy/"+f, b); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Dir("/repo/" + path)
	if err := fs.WriteFile(dir+"/kustomization.yaml", []byte(overlay)); err != nil {
		t.Fatal(err)
	}
	wantImage := kust.Images[0].NewName + ":" + kust.Images[0].NewTag
	found := false
	for _, r := range kustomizeBuild(t, fs, dir) {
		if r.GetKind() != "Deployment" {
			continue
		}
		y, _ := r.AsYAML()
		d := decodeStrict(t, "overlay Deployment", y).(*appsv1.Deployment)
		found = true
		if got := d.Spec.Template.Spec.Containers[0].Image; got != wantImage {
			t.Errorf("the documented overlay renders image %s, want %s", got, wantImage)
		}
	}
	if !found {
		t.Error("the documented overlay renders no Deployment")
	}
	doc, _ := os.ReadFile("../docs/deploy.md")
	if m := regexp.MustCompile("kustomize edit set image ([^=` ]+)=").FindStringSubmatch(string(doc)); m == nil || m[1] != imageName {
		t.Errorf("docs/deploy.md: kustomize edit set image must name %s: %q", imageName, m)
	}

	// The Secret: the volume it fills, and the keys config.yml reads there.
	var secretName, mountPath string
	for _, v := range dep.Spec.Template.Spec.Volumes {
		if v.Secret != nil {
			secretName = v.Secret.SecretName
		}
	}
	for _, m := range dep.Spec.Template.Spec.Containers[0].VolumeMounts {
		for _, v := range dep.Spec.Template.Spec.Volumes {
			if v.Name == m.Name && v.Secret != nil {
				mountPath = m.MountPath
			}
		}
	}
	cfg, err := config.Parse([]byte(cfgMap.Data["config.yml"]), "")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, src := range []*config.Source{cfg.Sources.PSA, cfg.Sources.Billing} {
		if src == nil || src.DSNFile == "" {
			continue
		}
		if filepath.Dir(src.DSNFile) != mountPath {
			t.Errorf("dsn_file %s is not in the Secret's mount %s", src.DSNFile, mountPath)
		}
		keys = append(keys, filepath.Base(src.DSNFile))
	}
	if secretName == "" || len(keys) == 0 {
		t.Fatalf("the Deployment mounts no Secret (%q) or config.yml reads no DSN file from it (%v)", secretName, keys)
	}

	var create []string
	for _, b := range blocks {
		if f := strings.Fields(strings.ReplaceAll(b, "\\\n", " ")); strings.Contains(strings.Join(f, " "), "create secret generic") {
			create = f
			break
		}
	}
	cmd := strings.Join(create, " ")
	m := regexp.MustCompile(`^kubectl -n (\S+) create secret generic (\S+) `).FindStringSubmatch(cmd)
	if m == nil {
		t.Fatalf("docs/deploy.md: no `kubectl -n NAMESPACE create secret generic NAME` command: %q", cmd)
	}
	if m[1] != dep.Namespace || m[2] != secretName {
		t.Errorf("docs/deploy.md creates the Secret %s/%s, the Deployment mounts %s/%s", m[1], m[2], dep.Namespace, secretName)
	}
	given := map[string]bool{}
	for _, arg := range create {
		for _, flag := range []string{"--from-literal=", "--from-file="} {
			if v, ok := strings.CutPrefix(arg, flag); ok {
				k, _, _ := strings.Cut(v, "=")
				given[filepath.Base(k)] = true
			}
		}
	}
	for _, k := range keys {
		if !given[k] {
			t.Errorf("docs/deploy.md's Secret lacks the key %s that config.yml reads", k)
		}
	}

	// The example keeps the same shape, for those who copy it.
	b, err := os.ReadFile("kubernetes/secret.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ex := decodeStrict(t, "secret.example.yaml", b).(*corev1.Secret)
	if ex.Name != secretName {
		t.Errorf("secret.example.yaml is named %s, the Deployment mounts %s", ex.Name, secretName)
	}
	for _, k := range keys {
		if _, ok := ex.StringData[k]; !ok {
			t.Errorf("secret.example.yaml lacks the key %s", k)
		}
	}
}
