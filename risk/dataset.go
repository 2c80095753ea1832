// Package risk learns churn risk from the MSP's own replayed history:
// the rows (component scores of each client at past instants, labelled by
// whether the client churned within the horizon), the penalised logistic
// regression, its walk-forward evaluation, and the model file.
package risk

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/retention-exporter/retention_exporter/fact"
	"github.com/retention-exporter/retention_exporter/model"
)

// Dataset is the rows fit-risk learns from: one per client active at an
// instant, with its component scores then, and whether it churned
// within the horizon after.
type Dataset struct {
	// T is the start of today: outcomes are known up to it.
	T       time.Time
	Horizon time.Duration
	// Candidates are the components that may be features: the configured
	// ones whose inputs are all dated, in table order.
	Candidates []model.Component
	Instants   []time.Time // in the order added, ascending
	Clients    []string    // by index
	Rows       []Row
	// scores holds each row's candidate scores, NaN when absent: row i's
	// are scores[i*len(Candidates):][:len(Candidates)].
	scores   []float64
	params   *model.Params
	clients  map[string]int32
	profiles map[*model.Profile]int16
}

// Row is one client at one instant.
type Row struct {
	Client  int32 // index into Clients
	Instant int32 // index into Instants
	Profile int16 // index into the parameters' profiles
	Churned bool  // the label: churned within the horizon after the instant
}

// Dated lists the configured components whose every input is a dated
// fact: their past scores are the past's. A component fed by a fact read
// as it stands today (contacts) would teach today's values as the past's.
func Dated(p *model.Params) []model.Component {
	var out []model.Component
	for _, c := range p.Components {
		dated := true
		for _, q := range c.Queries {
			if f, ok := fact.Get(q); !ok || !f.Dated {
				dated = false
			}
		}
		if dated {
			out = append(out, c.Name)
		}
	}
	return out
}

// NewDataset starts the rows of a fit at T with the given horizon,
// scored with the parameters p.
func NewDataset(p *model.Params, t time.Time, horizon time.Duration) *Dataset {
	d := &Dataset{T: t, Horizon: horizon, Candidates: Dated(p), params: p,
		clients: map[string]int32{}, profiles: map[*model.Profile]int16{}}
	for i, pr := range p.Profiles {
		d.profiles[pr] = int16(i)
	}
	return d
}

// Labelled reports whether the outcome of an instant's rows is known by T.
func (d *Dataset) Labelled(at time.Time) bool { return !at.Add(d.Horizon).After(d.T) }

// Add adds a row for each client of an instant's result (every client
// active then). Instants are added in ascending order.
func (d *Dataset) Add(at time.Time, res *model.Result) {
	inst := int32(len(d.Instants))
	d.Instants = append(d.Instants, at)
	for _, c := range res.Clients {
		id, ok := d.clients[c.ID]
		if !ok {
			id = int32(len(d.Clients))
			d.clients[c.ID] = id
			d.Clients = append(d.Clients, c.ID)
		}
		d.Rows = append(d.Rows, Row{Client: id, Instant: inst, Profile: d.profiles[d.params.ProfileFor(c.Segment)]})
		for _, comp := range d.Candidates {
			v := math.NaN()
			if i := slices.IndexFunc(c.Components, func(s model.ComponentScore) bool { return s.Component == comp }); i >= 0 {
				v = c.Components[i].Score
			}
			d.scores = append(d.scores, v)
		}
	}
}

// Label sets each row's label from the clients as read at T: churned
// when churned_at falls in (t, t + horizon].
func (d *Dataset) Label(clients []model.Client) {
	churn := map[string]time.Time{}
	for _, c := range clients {
		if c.ChurnedAt != nil {
			churn[c.ID] = c.ChurnedAt.Midnight(d.params.Location)
		}
	}
	for i := range d.Rows {
		r := &d.Rows[i]
		at, ok := churn[d.Clients[r.Client]]
		t := d.Instants[r.Instant]
		r.Churned = ok && at.After(t) && !at.After(t.Add(d.Horizon))
	}
}

// score is row i's score of candidate j, NaN when absent.
func (d *Dataset) score(i, j int) float64 { return d.scores[i*len(d.Candidates)+j] }

// labelled lists the rows whose outcome is known by T, by instant and
// then client id.
func (d *Dataset) labelled() []int {
	var out []int
	for i, r := range d.Rows {
		if d.Labelled(d.Instants[r.Instant]) {
			out = append(out, i)
		}
	}
	d.sortRows(out)
	return out
}

// sortRows orders rows by instant and then client id, the order every
// sum runs in, so that the fit does not depend on the order rows came in.
func (d *Dataset) sortRows(rows []int) {
	slices.SortFunc(rows, func(a, b int) int {
		ra, rb := d.Rows[a], d.Rows[b]
		if c := d.Instants[ra.Instant].Compare(d.Instants[rb.Instant]); c != 0 {
			return c
		}
		return cmp.Compare(d.Clients[ra.Client], d.Clients[rb.Client])
	})
}
