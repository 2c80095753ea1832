// Package scrape fetches and parses a /metrics page the way Prometheus
// does (gzip, text format), for tests and tools that check what an
// exporter serves.
package scrape

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Families is a parsed exposition by metric name.
type Families map[string]*dto.MetricFamily

// Get fetches url asking for gzip, as Prometheus does, and returns the
// decompressed body. Any status but 200 is an error.
func Get(client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if body, err = io.ReadAll(zr); err != nil {
			return nil, err
		}
	}
	return body, nil
}

// Parse parses a text exposition.
func Parse(body []byte) (Families, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	return Families(fams), err
}

// Labels is a label set.
type Labels map[string]string

// Sample is one series of a family.
type Sample struct {
	Labels Labels
	Value  float64
}

// Samples returns the series of a family, sorted by their labels.
func (f Families) Samples(name string) []Sample {
	mf := f[name]
	if mf == nil {
		return nil
	}
	out := make([]Sample, 0, len(mf.Metric))
	for _, m := range mf.Metric {
		s := Sample{Labels: Labels{}}
		for _, lp := range m.Label {
			s.Labels[lp.GetName()] = lp.GetValue()
		}
		switch {
		case m.Gauge != nil:
			s.Value = m.Gauge.GetValue()
		case m.Counter != nil:
			s.Value = m.Counter.GetValue()
		case m.Untyped != nil:
			s.Value = m.Untyped.GetValue()
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Labels.String() < out[j].Labels.String() })
	return out
}

// Find returns the value of the series of name whose labels include want.
// It reports false when none or more than one series match.
func (f Families) Find(name string, want Labels) (float64, bool) {
	var found []float64
	for _, s := range f.Samples(name) {
		if s.Labels.Has(want) {
			found = append(found, s.Value)
		}
	}
	if len(found) != 1 {
		return 0, false
	}
	return found[0], true
}

// With returns a copy of l with the pairs of kv (name, value, name,
// value, …) added or replaced.
func (l Labels) With(kv ...string) Labels {
	out := make(Labels, len(l)+len(kv)/2)
	for k, v := range l {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// Has reports whether l includes every pair of want.
func (l Labels) Has(want Labels) bool {
	for k, v := range want {
		if got, ok := l[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func (l Labels) String() string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%q", k, l[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}
