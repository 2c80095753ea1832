package model

// Inspected exposes a computation's MRR history to the external tests,
// which check the movement identities against it.
type Inspected struct{ c *computation }

// Inspect starts a computation of the PSA facts.
func Inspect(p *Params, psa *Facts) Inspected { return Inspected{newComputation(p, psa, nil)} }

// Today is the computation's today.
func (i Inspected) Today() Date { return i.c.today }

// MRRAt is each currency's MRR of a client on a day.
func (i Inspected) MRRAt(cl Client, d Date) map[string]float64 { return i.c.mrrAt(cl, d) }

// HadMRRBefore reports whether the client had MRR in a currency before d.
func (i Inspected) HadMRRBefore(cl Client, cur string, d Date) bool {
	return i.c.hadMRRBefore(cl, cur, d)
}
