// Package collector turns a computed retention result into Prometheus
// const metrics, and renders them once into exposition bytes.
package collector

import (
	"io"
	"strings"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/retention-exporter/retention_exporter/metrics"
	"github.com/retention-exporter/retention_exporter/model"
)

// Options drops optional detail for very large tenants.
type Options struct {
	ComponentScores bool
	Contracts       bool
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
	for _, f := range clientFamilies() {
		if f.name == metrics.ClientHealthComponentScore && !o.ComponentScores {
			continue
		}
		fs = append(fs, f)
	}
	if o.Contracts {
		fs = append(fs, contractFamilies()...)
	}
	fs = append(fs, portfolioFamilies()...)
	return &Collector{result: r, families: fs}
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
			if !utf8.ValidString(lv) {
				lvs[i] = strings.ToValidUTF8(lv, "\uFFFD")
			}
		}
		send(prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lvs...))
	})
}

// Render writes the text exposition of every family, one family at a
// time so that memory holds at most one family's metrics.
func (c *Collector) Render(w io.Writer) error {
	for _, f := range c.families {
		mf := &dto.MetricFamily{Name: &f.name, Help: &f.help, Type: dto.MetricType_GAUGE.Enum()}
		var err error
		c.each(f, func(m prometheus.Metric) {
			pb := &dto.Metric{}
			if e := m.Write(pb); e != nil && err == nil {
				err = e
			}
			mf.Metric = append(mf.Metric, pb)
		})
		if err != nil {
			return err
		}
		if len(mf.Metric) == 0 {
			continue
		}
		if _, err := expfmt.MetricFamilyToText(w, mf); err != nil {
			return err
		}
	}
	return nil
}
