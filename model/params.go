package model

import "time"

// Window is a look-back period such as "30d". Its label is the text as
// written in the config, so dashboards and alerts can select it verbatim.
type Window struct {
	Label    string
	Duration time.Duration
}

// Days is the window in whole days; date windows must be whole days.
func (w Window) Days() int { return int(w.Duration / (24 * time.Hour)) }

// WholeDays reports whether the window is a whole number of days.
func (w Window) WholeDays() bool { return w.Duration%(24*time.Hour) == 0 }

func (w Window) String() string { return w.Label }

// Windows are the look-back periods the formulas use.
type Windows struct {
	Tickets     []Window
	Utilization Window
	SLA         Window
	CSAT        Window
	Churn       []Window
	Revenue     []Window
	Movements   []Window
	// Lapsed is how far back an expired contract still counts as lapsed.
	Lapsed Window
}

// Profile is a resolved health profile: every field set.
type Profile struct {
	// Name is "default" for the default profile.
	Name              string
	Segments          []string
	Weights           map[Component]float64
	UtilizationTarget float64
	ReviewCadence     Window
}

// Params is everything the formulas take besides the facts and the
// time: the config resolved into plain values.
type Params struct {
	// Location fixes "today" and the midnight a date is exported as.
	Location *time.Location
	Windows  Windows
	// Profiles lists the default profile first; a segment no other
	// profile names takes the default.
	Profiles []*Profile
	// Components are the configured health components, in display
	// order: those whose every query is enabled.
	Components []ComponentSpec
	// Billing is set when a billing source is configured: its overdue
	// values are then exported, or absent while unavailable.
	Billing bool
	// OverdueLimit is how long overdue an invoice may be before the
	// billing component reaches 0.
	OverdueLimit Window
	// CohortMonths is how many complete months back the cohorts go.
	CohortMonths int
	// ReasonsLimit is how many churn reasons keep their own label value.
	ReasonsLimit int
	// Risk is the churn-risk model, nil without one.
	Risk *RiskModel
}

// ProfileFor returns the health profile of a segment ("" for clients
// without one).
func (p *Params) ProfileFor(segment string) *Profile {
	for _, pr := range p.Profiles[1:] {
		for _, s := range pr.Segments {
			if s == segment {
				return pr
			}
		}
	}
	return p.Profiles[0]
}
