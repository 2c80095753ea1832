// Package collector turns a computed retention result into Prometheus
// const metrics, and renders them once into exposition bytes.
package collector

import (
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/retention-exporter/retention_exporter/metrics"
	"github.com/retention-exporter/retention_exporter/model"
)

// Options drops optional detail for very large tenants.
type Options struct {
	ComponentScores bool
	Contracts       bool
	// PortfolioOnly keeps only the portfolio families: no per-client or
	// per-contract series.
	PortfolioOnly bool
}

// Collector exposes one result as const metrics. It is built fresh for
// every refresh and never holds label values across refreshes.
type Collector struct {
	result   *model.Result
	families []family
}

// New returns a collector for the result.
func New(r *model.Result, o Options) *Collector {
	var fs []family
	if !o.PortfolioOnly {
		for _, f := range clientFamilies() {
			if f.name == metrics.ClientHealthComponentScore && !o.ComponentScores {
				continue
			}
			fs = append(fs, f)
		}
		if o.Contracts {
			fs = append(fs, contractFamilies()...)
		}
	}
	fs = append(fs, portfolioFamilies()...)
	fs = append(fs, modelFamilies()...)
	return &Collector{result: r, families: fs}
}

// Split deals the families out to at most n collectors, for rendering
// in parallel: each family stays whole in one of them.
func (c *Collector) Split(n int) []*Collector {
	n = max(1, min(n, len(c.families)))
	parts := make([]*Collector, n)
	for i := range parts {
		parts[i] = &Collector{result: c.result}
	}
	for i, f := range c.families {
		p := parts[i%n]
		p.families = append(p.families, f)
	}
	return parts
}

func (f family) desc() *prometheus.Desc { return prometheus.NewDesc(f.name, f.help, f.labels, nil) }

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range c.families {
		ch <- f.desc()
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, f := range c.families {
		c.each(f, func(m prometheus.Metric) { ch <- m })
	}
}

func (c *Collector) each(f family, send func(prometheus.Metric)) {
	d := f.desc()
	f.collect(c.result, func(v float64, lvs ...string) {
		for i, lv := range lvs {
			lvs[i] = validUTF8(lv)
		}
		send(prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lvs...))
	})
}

// Sample is one sample as a visitor sees it. Names and Values are the
// label pairs in name order and are reused between calls: copy what is kept.
type Sample struct {
	Metric string
	Names  []string
	Values []string
	Value  float64
}

// Each calls fn for every sample, family by family, with label values
// made valid UTF-8 as in the exposition.
func (c *Collector) Each(fn func(s *Sample) error) error {
	var err error
	s := &Sample{}
	for _, f := range c.families {
		order := labelOrder(f.labels)
		s.Metric = f.name
		s.Names = s.Names[:0]
		for _, i := range order {
			s.Names = append(s.Names, f.labels[i])
		}
		f.collect(c.result, func(v float64, lvs ...string) {
			if err != nil {
				return
			}
			s.Values = s.Values[:0]
			for _, i := range order {
				s.Values = append(s.Values, validUTF8(lvs[i]))
			}
			s.Value = v
			err = fn(s)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// validUTF8 replaces invalid bytes of a label value, which the exposition
// formats do not allow, with U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// labelOrder is the order of a family's labels by name, as client_golang
// sorts them.
func labelOrder(labels []string) []int {
	order := make([]int, len(labels))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(labels[a], labels[b]) })
	return order
}

// Render writes the text exposition of every family straight to w, in
// the format expfmt writes, and returns the number of samples. It builds
// no client_golang objects: at tens of thousands of clients those cost
// more than everything else in a refresh.
func (c *Collector) Render(w io.Writer) (int, error) {
	t := textWriter{w: w}
	for _, f := range c.families {
		t.family(c.result, f)
	}
	return t.samples, t.err
}

// textWriter renders samples one line at a time into a reused buffer.
type textWriter struct {
	w       io.Writer
	line    []byte
	samples int
	err     error
}

func (t *textWriter) family(r *model.Result, f family) {
	// Labels go in name order, as client_golang sorts them.
	order := labelOrder(f.labels)
	header := false
	f.collect(r, func(v float64, lvs ...string) {
		if t.err != nil {
			return
		}
		b := t.line[:0]
		if !header {
			// Families without samples get no header, as with expfmt.
			header = true
			b = append(b, "# HELP "...)
			b = append(b, f.name...)
			b = append(b, ' ')
			b = appendEscaped(b, f.help, false)
			b = append(b, "\n# TYPE "...)
			b = append(b, f.name...)
			b = append(b, " gauge\n"...)
		}
		b = append(b, f.name...)
		if len(lvs) > 0 {
			b = append(b, '{')
			for n, i := range order {
				if n > 0 {
					b = append(b, ',')
				}
				b = append(b, f.labels[i]...)
				b = append(b, '=', '"')
				b = appendEscaped(b, validUTF8(lvs[i]), true)
				b = append(b, '"')
			}
			b = append(b, '}')
		}
		b = append(b, ' ')
		b = appendFloat(b, v)
		b = append(b, '\n')
		t.line = b
		t.samples++
		_, t.err = t.w.Write(b)
	})
}

// appendEscaped escapes backslash and newline, and in label values the
// double quote, as the text format requires.
func appendEscaped(b []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '\\':
			b = append(b, '\\', '\\')
		case ch == '\n':
			b = append(b, '\\', 'n')
		case ch == '"' && quote:
			b = append(b, '\\', '"')
		default:
			b = append(b, ch)
		}
	}
	return b
}

// appendFloat formats a value as expfmt does.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case v == 1:
		return append(b, '1')
	case v == 0:
		return append(b, '0')
	case v == -1:
		return append(b, "-1"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}
