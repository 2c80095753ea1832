package deploy

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/api/krusty"
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

	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(filesys.MakeFsOnDisk(), "kubernetes")
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	kinds := map[string]int{}
	var dep *appsv1.Deployment
	var cfgMap *corev1.ConfigMap
	for _, r := range res.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		obj := decodeStrict(t, "rendered "+r.GetKind()+"/"+r.GetName(), y)
		kinds[r.GetKind()]++
		if r.GetNamespace() != "monitoring" {
			t.Errorf("%s/%s in namespace %q", r.GetKind(), r.GetName(), r.GetNamespace())
		}
		switch o := obj.(type) {
		case *appsv1.Deployment:
			dep = o
		case *corev1.ConfigMap:
			if strings.HasPrefix(o.Name, "retention-exporter-config") {
				cfgMap = o
			}
		}
	}
	want := map[string]int{"Deployment": 1, "Service": 1, "ServiceMonitor": 1, "PrometheusRule": 1, "Secret": 1, "ConfigMap": 5}
	for kind, n := range want {
		if kinds[kind] != n {
			t.Errorf("rendered %d %s, want %d", kinds[kind], kind, n)
		}
	}
	if dep == nil || cfgMap == nil {
		t.Fatal("no Deployment or config ConfigMap rendered")
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
