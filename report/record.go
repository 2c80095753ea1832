package report

import (
	"slices"
	"time"

	"github.com/retention-exporter/retention_exporter/collector"
	"github.com/retention-exporter/retention_exporter/metrics"
	"github.com/retention-exporter/retention_exporter/model"
)

// Recorder keeps the per-client and per-contract series of some clients
// from each day's result, through the collector that backfill writes
// with, so that a report's numbers are backfill's. Each day is added
// once, whatever the number of clients: --all reads the databases once.
type Recorder struct {
	days []time.Time
	loc  *time.Location
	opts collector.Options
	// want picks the clients kept; nil keeps every client.
	want    func(id string) bool
	clients map[string]*record
	key     []byte
}

// record is one client's series, kept compactly: each series' name and
// labels once, then (series, value) pairs per day.
type record struct {
	index  map[string]int32
	series []Series // Value unused
	points [][]point
	risk   []Series
}

type point struct {
	series int32
	value  float64
}

// NewRecorder records the clients want picks (nil: every client) at the
// given days, with the collector options backfill uses.
func NewRecorder(days []time.Time, loc *time.Location, opts collector.Options, want func(id string) bool) *Recorder {
	opts.PortfolioOnly = false
	return &Recorder{days: days, loc: loc, opts: opts, want: want, clients: map[string]*record{}}
}

// Days are the days recorded.
func (r *Recorder) Days() []time.Time { return r.days }

// Add records the result of day i (an index into the days).
func (r *Recorder) Add(i int, res *model.Result) error {
	return r.each(r.only(res), func(rec *record, s *collector.Sample) {
		idx, ok := rec.index[string(r.key)]
		if !ok {
			idx = int32(len(rec.series))
			rec.index[string(r.key)] = idx
			rec.series = append(rec.series, Series{Name: s.Metric, Labels: labels(s)})
		}
		if rec.points[i] == nil {
			// A day holds about the series seen so far: sized once, the
			// days of thousands of clients do not hold append's slack.
			rec.points[i] = make([]point, 0, len(rec.series))
		}
		rec.points[i] = append(rec.points[i], point{idx, s.Value})
	})
}

// riskNames are the series serving adds with a churn-risk model that a
// report shows: the client's risk and what drives it, and the model's
// training time and base rate to read it by.
var riskNames = []string{metrics.ClientChurnRisk, metrics.ClientChurnRiskContribution, metrics.ChurnModelTrained, metrics.ChurnModelBaseRate}

// AddRisk records the churn-risk series of a result computed with
// serving's parameters, its model included, at the last day, for the
// clients recorded that day: call it after adding the last day.
func (r *Recorder) AddRisk(res *model.Result) error {
	if res.Risk == nil {
		return nil
	}
	sub := r.only(res)
	sub.Risk = res.Risk
	var model []Series
	err := collector.New(sub, r.opts).Each(func(s *collector.Sample) error {
		if !slices.Contains(riskNames, s.Metric) {
			return nil
		}
		id, ok := label(s, metrics.LabelClientID)
		if !ok {
			model = append(model, Series{Name: s.Metric, Labels: labels(s), Value: s.Value})
		} else if rec := r.clients[id]; rec != nil {
			rec.risk = append(rec.risk, Series{Name: s.Metric, Labels: labels(s), Value: s.Value})
		}
		return nil
	})
	// A client active at the end has the model's series even without a
	// risk of its own: a risk that cannot be computed is no data.
	last := len(r.days) - 1
	for _, rec := range r.clients {
		if last >= 0 && len(rec.points[last]) > 0 {
			rec.risk = append(rec.risk, model...)
		}
	}
	return err
}

// only is the part of a result that holds the wanted clients' series.
func (r *Recorder) only(res *model.Result) *model.Result {
	if r.want == nil {
		return &model.Result{Clients: res.Clients, Contracts: res.Contracts}
	}
	sub := &model.Result{}
	for _, c := range res.Clients {
		if r.want(c.ID) {
			sub.Clients = append(sub.Clients, c)
		}
	}
	for _, k := range res.Contracts {
		if r.want(k.ClientID) {
			sub.Contracts = append(sub.Contracts, k)
		}
	}
	return sub
}

// each calls fn for every per-client and per-contract sample of res with
// the client's record, r.key holding the sample's identity.
func (r *Recorder) each(res *model.Result, fn func(rec *record, s *collector.Sample)) error {
	return collector.New(res, r.opts).Each(func(s *collector.Sample) error {
		id, ok := label(s, metrics.LabelClientID)
		if !ok {
			return nil
		}
		rec := r.clients[id]
		if rec == nil {
			rec = &record{index: map[string]int32{}, points: make([][]point, len(r.days))}
			r.clients[id] = rec
		}
		r.key = append(r.key[:0], s.Metric...)
		for _, v := range s.Values {
			r.key = append(r.key, 0)
			r.key = append(r.key, v...)
		}
		fn(rec, s)
		return nil
	})
}

func label(s *collector.Sample, name string) (string, bool) {
	for i, n := range s.Names {
		if n == name {
			return s.Values[i], true
		}
	}
	return "", false
}

// labels are a sample's labels as backfill writes them: an empty value
// is no label, as in Prometheus.
func labels(s *collector.Sample) map[string]string {
	m := make(map[string]string, len(s.Names))
	for i, n := range s.Names {
		if s.Values[i] != "" {
			m[n] = s.Values[i]
		}
	}
	return m
}

// Clients are the ids of the clients recorded on the last day: those
// active at the end of the period, sorted.
func (r *Recorder) Clients() []string {
	var ids []string
	last := len(r.days) - 1
	for id, rec := range r.clients {
		if last >= 0 && len(rec.points[last]) > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// Data is the recorded series of one client; a client never recorded
// has every day empty.
func (r *Recorder) Data(id string) *Data {
	d := &Data{ClientID: id, Days: make([]Day, len(r.days))}
	if len(r.days) > 0 {
		d.From, d.To = date(r.days[0], r.loc), date(r.days[len(r.days)-1], r.loc)
	}
	rec := r.clients[id]
	for i, t := range r.days {
		d.Days[i] = Day{Date: date(t, r.loc), Series: []Series{}}
		if rec == nil {
			continue
		}
		for _, p := range rec.points[i] {
			s := rec.series[p.series]
			s.Value = p.value
			d.Days[i].Series = append(d.Days[i].Series, s)
		}
	}
	if rec != nil && rec.risk != nil {
		d.Risk = &Risk{Date: d.To, Series: rec.risk}
	}
	return d
}

func date(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }
