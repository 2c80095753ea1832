// Package report writes a client's quarterly business review: the
// client's series at each day of a period, exactly as backfill writes
// them (Data, written as JSON), and a printable page drawn from them
// alone (Render).
package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Data is one client's series at each day of a period. It is the JSON a
// report writes with --format json, and all the page is drawn from.
type Data struct {
	ClientID string `json:"client_id"`
	From     string `json:"from"` // YYYY-MM-DD
	To       string `json:"to"`
	Days     []Day  `json:"days"`
	// Risk is the churn risk serving's model gives the client at To;
	// nil without a model. The days hold none: backfill writes no risk.
	Risk *Risk `json:"risk,omitempty"`
}

// Day is the client's per-client and per-contract series at one day's
// midnight; a series absent that day is not listed.
type Day struct {
	Date   string   `json:"date"`
	Series []Series `json:"series"`
}

// Series is one sample: its metric name, its labels (without job and
// instance) and its value.
type Series struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
	Value  float64           `json:"value"`
}

// Risk is what serving with its churn-risk model adds at one day: the
// client's risk and its contributions, and the model's training time and
// base rate.
type Risk struct {
	Date   string   `json:"date"`
	Series []Series `json:"series"`
}

// WriteJSON writes the data as JSON with one series a line: a quarter of
// a client is some 3,000 lines that grep and diff read.
func (d *Data) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriter(w)
	head, err := json.Marshal(struct {
		ClientID string `json:"client_id"`
		From     string `json:"from"`
		To       string `json:"to"`
	}{d.ClientID, d.From, d.To})
	if err != nil {
		return err
	}
	bw.Write(head[:len(head)-1])
	bw.WriteString(`,"days":[`)
	for i, day := range d.Days {
		if i > 0 {
			bw.WriteString(",")
		}
		date, _ := json.Marshal(day.Date)
		fmt.Fprintf(bw, "\n{\"date\":%s,\"series\":[", date)
		if err := writeSeries(bw, day.Series); err != nil {
			return err
		}
		bw.WriteString("]}")
	}
	bw.WriteString("\n]")
	if d.Risk != nil {
		date, _ := json.Marshal(d.Risk.Date)
		fmt.Fprintf(bw, ",\n\"risk\":{\"date\":%s,\"series\":[", date)
		if err := writeSeries(bw, d.Risk.Series); err != nil {
			return err
		}
		bw.WriteString("]}")
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

func writeSeries(w *bufio.Writer, series []Series) error {
	for i, s := range series {
		b, err := json.Marshal(s)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		if i > 0 {
			w.WriteString(",")
		}
		w.WriteString("\n")
		w.Write(b)
	}
	return nil
}

// Days lists the midnights of every calendar day from from's date to
// to's, both included, in loc. They are true midnights: across a
// daylight-saving change a day is 23 or 25 hours long.
func Days(from, to time.Time, loc *time.Location) []time.Time {
	y, m, d := from.In(loc).Date()
	last := midnight(to, loc)
	var out []time.Time
	for i := 0; ; i++ {
		t := time.Date(y, m, d+i, 0, 0, 0, 0, loc)
		if t.After(last) {
			return out
		}
		out = append(out, t)
	}
}

func midnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}
