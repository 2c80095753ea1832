package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
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
	case "PersistentVolumeClaim":
		obj = &corev1.PersistentVolumeClaim{}
	case "CronJob":
		obj = &batchv1.CronJob{}
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
	want := map[string]int{"Deployment": 1, "Service": 1, "ServiceMonitor": 1, "PrometheusRule": 1, "ConfigMap": 5,
		"CronJob": 1, "PersistentVolumeClaim": 1}
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
	checkHardened(t, "the Deployment", pod)
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

// checkHardened fails when a pod or one of its containers is less locked
// down than the exporter's: non-root, RuntimeDefault seccomp, no service
// account token, and per container a read-only root, no escalation, no
// privilege, every capability dropped and a memory limit.
func checkHardened(t *testing.T, what string, pod corev1.PodSpec) {
	t.Helper()
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Errorf("%s: the pod may run as root", what)
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: the pod has no RuntimeDefault seccomp profile", what)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("%s: the pod mounts a service account token", what)
	}
	for _, c := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
		sc := c.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
			sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
			sc.Privileged == nil || *sc.Privileged ||
			sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
			t.Errorf("%s: container %s securityContext too loose: %+v", what, c.Name, sc)
		}
		if c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s: container %s has no memory limit", what, c.Name)
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
	found := 0
	for _, r := range kustomizeBuild(t, fs, dir) {
		y, _ := r.AsYAML()
		var got string
		switch r.GetKind() {
		case "Deployment":
			got = decodeStrict(t, "overlay Deployment", y).(*appsv1.Deployment).Spec.Template.Spec.Containers[0].Image
		case "CronJob":
			// The refit's fit runs the exporter's image.
			got = decodeStrict(t, "overlay CronJob", y).(*batchv1.CronJob).Spec.JobTemplate.Spec.Template.Spec.InitContainers[0].Image
		default:
			continue
		}
		found++
		if got != wantImage {
			t.Errorf("the documented overlay renders %s with image %s, want %s", r.GetKind(), got, wantImage)
		}
	}
	if found != 2 {
		t.Errorf("the documented overlay renders %d of the Deployment and the CronJob", found)
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

// TestKubernetesRiskRefit: the monthly CronJob runs fit-risk as the
// Deployment runs the exporter (image, configuration, DSN Secret, each
// mounted where the exporter has it), as locked down, and writes the model
// into the volume the Deployment reads; then it reloads the exporter
// through its Service. Enabling the commented-out risk block of config.yml
// makes the exporter read that very file, and the shipped config.yml
// starts without it.
func TestKubernetesRiskRefit(t *testing.T) {
	objs, dep, cfgMap := renderBase(t)
	var cron *batchv1.CronJob
	var svc *corev1.Service
	pvcs := map[string]*corev1.PersistentVolumeClaim{}
	for _, r := range objs {
		switch o := r.obj.(type) {
		case *batchv1.CronJob:
			cron = o
		case *corev1.Service:
			svc = o
		case *corev1.PersistentVolumeClaim:
			pvcs[o.Name] = o
		}
	}
	if cron == nil || svc == nil {
		t.Fatal("no CronJob or Service rendered")
	}

	// Monthly, on the 1st, one run at a time.
	f := strings.Fields(cron.Spec.Schedule)
	number := regexp.MustCompile(`^[0-9]+$`)
	if len(f) != 5 || !number.MatchString(f[0]) || !number.MatchString(f[1]) || f[2] != "1" || f[3] != "*" || f[4] != "*" {
		t.Errorf("CronJob schedule %q: want once a month, on the 1st", cron.Spec.Schedule)
	}
	if cron.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("CronJob concurrencyPolicy %q: two refits would race for the file", cron.Spec.ConcurrencyPolicy)
	}
	pod := cron.Spec.JobTemplate.Spec.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("CronJob restartPolicy %q, want Never", pod.RestartPolicy)
	}
	checkHardened(t, "the CronJob", pod)
	if pod.SecurityContext != nil && dep.Spec.Template.Spec.SecurityContext != nil &&
		!reflect.DeepEqual(pod.SecurityContext, dep.Spec.Template.Spec.SecurityContext) {
		t.Errorf("the CronJob's pod securityContext %+v differs from the Deployment's %+v", pod.SecurityContext, dep.Spec.Template.Spec.SecurityContext)
	}

	// The fit: an init container, so that the reload runs only after it
	// succeeded.
	if len(pod.InitContainers) != 1 || len(pod.Containers) != 1 {
		t.Fatalf("the CronJob has %d init containers and %d containers, want the fit and then the reload", len(pod.InitContainers), len(pod.Containers))
	}
	fit, exp := pod.InitContainers[0], dep.Spec.Template.Spec.Containers[0]
	if fit.Image != exp.Image {
		t.Errorf("fit-risk runs image %s, the exporter %s", fit.Image, exp.Image)
	}
	cfgFile, _ := flag(exp.Args, "config.file")
	if got, _ := flag(fit.Args, "config.file"); got != cfgFile || cfgFile == "" {
		t.Errorf("fit-risk --config.file %q, the exporter's %q", got, cfgFile)
	}
	if !slices.Contains(fit.Args, "fit-risk") || slices.Contains(fit.Args, "--force") {
		t.Errorf("the init container runs %v, want fit-risk (without --force: a refused fit keeps the old model)", fit.Args)
	}
	out, ok := flag(fit.Args, "output")
	if !ok || !filepath.IsAbs(out) {
		t.Fatalf("fit-risk has no absolute --output: %v", fit.Args)
	}
	volume := func(p corev1.PodSpec, name string) corev1.VolumeSource {
		for _, v := range p.Volumes {
			if v.Name == name {
				return v.VolumeSource
			}
		}
		t.Fatalf("no volume %s", name)
		return corev1.VolumeSource{}
	}
	mountAt := func(c corev1.Container, path string) (corev1.VolumeMount, bool) {
		i := slices.IndexFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == path })
		if i < 0 {
			return corev1.VolumeMount{}, false
		}
		return c.VolumeMounts[i], true
	}
	// Every mount of the exporter's, from the same source at the same path.
	for _, em := range exp.VolumeMounts {
		fm, ok := mountAt(fit, em.MountPath)
		if !ok {
			t.Errorf("fit-risk does not mount %s, which the exporter mounts", em.MountPath)
			continue
		}
		if fm.SubPath != em.SubPath || !reflect.DeepEqual(volume(pod, fm.Name), volume(dep.Spec.Template.Spec, em.Name)) {
			t.Errorf("fit-risk mounts %s from %+v, the exporter from %+v", em.MountPath, volume(pod, fm.Name), volume(dep.Spec.Template.Spec, em.Name))
		}
	}
	// The model's directory: the same claim, written by the fit, read by
	// the exporter.
	fm, ok := mountAt(fit, filepath.Dir(out))
	if !ok {
		t.Fatalf("fit-risk --output=%s is on no mounted volume", out)
	}
	claim := volume(pod, fm.Name).PersistentVolumeClaim
	if claim == nil || pvcs[claim.ClaimName] == nil {
		t.Fatalf("fit-risk --output=%s is not on a rendered PersistentVolumeClaim: %+v", out, volume(pod, fm.Name))
	}
	if fm.ReadOnly {
		t.Errorf("fit-risk mounts %s read-only", fm.MountPath)
	}
	em, ok := mountAt(exp, filepath.Dir(out))
	if !ok || !em.ReadOnly {
		t.Errorf("the exporter does not mount %s read-only: %+v", filepath.Dir(out), em)
	}

	// Both pods mount the claim: without ReadWriteMany, on one node.
	pvc := pvcs[claim.ClaimName]
	if !slices.Contains(pvc.Spec.AccessModes, corev1.ReadWriteMany) {
		if dep.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
			t.Errorf("the claim %s is %v and the Deployment's strategy %q: a rolling update's new pod can wait forever on another node", pvc.Name, pvc.Spec.AccessModes, dep.Spec.Strategy.Type)
		}
		follows := false
		if a := pod.Affinity; a != nil && a.PodAffinity != nil {
			for _, term := range a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
				sel, err := metav1.LabelSelectorAsSelector(term.LabelSelector)
				follows = follows || (err == nil && term.TopologyKey == corev1.LabelHostname && sel.Matches(labels.Set(dep.Spec.Template.Labels)))
			}
		}
		if !follows {
			t.Errorf("the claim %s is %v, and the CronJob's pod does not follow the exporter's pod to its node", pvc.Name, pvc.Spec.AccessModes)
		}
	}
	// The Job's pod is no exporter: neither the Service nor the Deployment
	// selects it.
	jobLabels := labels.Set(cron.Spec.JobTemplate.Spec.Template.Labels)
	depSel, err := metav1.LabelSelectorAsSelector(dep.Spec.Selector)
	if err != nil {
		t.Fatal(err)
	}
	if labels.SelectorFromSet(svc.Spec.Selector).Matches(jobLabels) || depSel.Matches(jobLabels) {
		t.Errorf("the CronJob's pod labels %v are selected by the Service or the Deployment", jobLabels)
	}

	// The reload: a pinned image's curl, failing on an HTTP error, POSTing
	// to the exporter's /-/reload through the Service.
	reload := pod.Containers[0]
	if !regexp.MustCompile(`^[a-z0-9./_-]+:v?[0-9]+(\.[0-9]+)+$`).MatchString(reload.Image) {
		t.Errorf("reload image %q is not pinned to a version", reload.Image)
	}
	method, url, failOnError := curlRequest(append(slices.Clone(reload.Command), reload.Args...))
	if method != "POST" || !failOnError {
		t.Errorf("reload %v: want curl --fail --request POST", append(reload.Command, reload.Args...))
	}
	listen, _ := flag(exp.Args, "web.listen-address")
	_, port, _ := strings.Cut(listen, ":")
	found := false
	for _, p := range svc.Spec.Ports {
		found = found || (url == fmt.Sprintf("http://%s:%d/-/reload", svc.Name, p.Port) && p.TargetPort.String() == exp.Ports[0].Name &&
			fmt.Sprint(exp.Ports[0].ContainerPort) == port)
	}
	if !found {
		t.Errorf("reload POSTs to %q, not the exporter's /-/reload through the Service %s (%+v)", url, svc.Name, svc.Spec.Ports)
	}

	// config.yml: without a model file as shipped; its risk block, once
	// enabled, names the file the CronJob writes and loads with a model there.
	text := cfgMap.Data["config.yml"]
	cfg, err := config.Parse([]byte(text), "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Risk.ModelFile != "" {
		t.Errorf("the shipped config.yml names the model file %s: the exporter would not start before the first refit", cfg.Risk.ModelFile)
	}
	enabled, modelFile := enableRisk(t, "config.yml", text)
	if modelFile != out {
		t.Errorf("config.yml's risk block names %s, the CronJob writes %s", modelFile, out)
	}
	local := filepath.Join(t.TempDir(), "risk-model.json")
	writeModel(t, local)
	if _, err := config.Parse([]byte(strings.ReplaceAll(enabled, modelFile, local)), ""); err != nil {
		t.Errorf("config.yml with its risk block enabled does not load: %v", err)
	}

	// The docs: the file docs/risk.md names holds this CronJob, and
	// docs/deploy.md's first run starts a Job from it.
	b, err := os.ReadFile("kubernetes/risk-refit-cronjob.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := decodeStrict(t, "risk-refit-cronjob.yaml", b).(*batchv1.CronJob); !ok || c.Name != cron.Name {
		t.Errorf("kubernetes/risk-refit-cronjob.yaml does not hold the CronJob %s", cron.Name)
	}
	doc, _ := os.ReadFile("../docs/risk.md")
	if !strings.Contains(string(doc), "deploy/kubernetes/risk-refit-cronjob.yaml") {
		t.Error("docs/risk.md does not name deploy/kubernetes/risk-refit-cronjob.yaml")
	}
	doc, _ = os.ReadFile("../docs/deploy.md")
	m := regexp.MustCompile(`kubectl -n (\S+) create job --from=cronjob/(\S+) `).FindStringSubmatch(string(doc))
	if m == nil || m[1] != cron.Namespace || m[2] != cron.Name {
		t.Errorf("docs/deploy.md: no `kubectl -n %s create job --from=cronjob/%s` for the first run: %q", cron.Namespace, cron.Name, m)
	}
}

// curlRequest reads a curl command line: its method, its URL, and whether
// it fails on an HTTP error status.
func curlRequest(args []string) (method, url string, failOnError bool) {
	method = "GET"
	for i, a := range args {
		switch {
		case (a == "--request" || a == "-X") && i+1 < len(args):
			method = args[i+1]
		case a == "--fail" || a == "-f" || (strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "f")):
			failOnError = true
		case strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "https://"):
			url = a
		}
	}
	return method, url, failOnError
}
