package model_test

import (
	"github.com/retention-exporter/retention_exporter/model"
	"testing"
	"time"
)

func TestNewDate(t *testing.T) {
	tests := []struct {
		name    string
		y       int
		m       time.Month
		d       int
		want    model.Date
		wantStr string
	}{
		{"epoch", 1970, time.January, 1, 0, "1970-01-01"},
		{"day after epoch", 1970, time.January, 2, 1, "1970-01-02"},
		{"day before epoch", 1969, time.December, 31, -1, "1969-12-31"},
		{"one year before epoch", 1969, time.January, 1, -365, "1969-01-01"},
		// 1900-1969: 70 years, 17 leap years (1904..1968; 1900 is not leap).
		{"1900", 1900, time.January, 1, -(70*365 + 17), "1900-01-01"},
		// 1970-1999: 30 years, 7 leap years (1972..1996).
		{"2000", 2000, time.January, 1, 30*365 + 7, "2000-01-01"},
		// 2000-2023: 24 years, 6 leap years; then 31 + 28 days into 2024.
		{"leap day 2024", 2024, time.February, 29, 30*365 + 7 + 24*365 + 6 + 59, "2024-02-29"},
		{"29 Feb normalises in a common year", 2023, time.February, 29, 30*365 + 7 + 23*365 + 6 + 59, "2023-03-01"},
		{"month 13 normalises", 2023, 13, 1, 30*365 + 7 + 24*365 + 6, "2024-01-01"},
		{"day 0 normalises to previous day", 1970, time.January, 0, -1, "1969-12-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := model.NewDate(tt.y, tt.m, tt.d)
			if got != tt.want {
				t.Errorf("NewDate(%d, %d, %d) = %d, want %d", tt.y, tt.m, tt.d, got, tt.want)
			}
			if got.String() != tt.wantStr {
				t.Errorf("String() = %q, want %q", got.String(), tt.wantStr)
			}
		})
	}
}

func TestDateOf(t *testing.T) {
	plus2 := time.FixedZone("UTC+2", 2*60*60)
	minus5 := time.FixedZone("UTC-5", -5*60*60)
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"midnight UTC", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), "2024-03-01"},
		{"last second of the day", time.Date(2024, 3, 1, 23, 59, 59, 999999999, time.UTC), "2024-03-01"},
		{"last second before epoch", time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), "1969-12-31"},
		{"noon before epoch", time.Date(1965, 7, 4, 12, 0, 0, 0, time.UTC), "1965-07-04"},
		// The calendar date is the one in t's own location, not in UTC.
		{"east of UTC, still the previous day in UTC", time.Date(2024, 3, 1, 1, 0, 0, 0, plus2), "2024-03-01"},
		{"west of UTC, already the next day in UTC", time.Date(2024, 2, 29, 22, 0, 0, 0, minus5), "2024-02-29"},
		{"west of UTC before epoch", time.Date(1969, 12, 31, 22, 0, 0, 0, minus5), "1969-12-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := model.DateOf(tt.t).String(); got != tt.want {
				t.Errorf("DateOf(%v) = %s, want %s", tt.t, got, tt.want)
			}
		})
	}
}

func TestDateYMD(t *testing.T) {
	tests := []struct {
		d     model.Date
		y     int
		m     time.Month
		day   int
		label string
	}{
		{0, 1970, time.January, 1, "epoch"},
		{-1, 1969, time.December, 31, "day before epoch"},
		{-365, 1969, time.January, 1, "365 days before epoch"},
		{-366, 1968, time.December, 31, "366 days before epoch"},
		{-(70*365 + 17), 1900, time.January, 1, "1900"},
		{30*365 + 7 + 24*365 + 6 + 59, 2024, time.February, 29, "leap day"},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			y, m, day := tt.d.YMD()
			if y != tt.y || m != tt.m || day != tt.day {
				t.Errorf("Date(%d).YMD() = %d-%d-%d, want %d-%d-%d", tt.d, y, m, day, tt.y, tt.m, tt.day)
			}
			// Round trip.
			if back := model.NewDate(y, m, day); back != tt.d {
				t.Errorf("NewDate(YMD()) = %d, want %d", back, tt.d)
			}
		})
	}
}

func TestDateMidnightAndAddDays(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	d := model.NewDate(1969, time.December, 31)
	if got, want := d.Midnight(time.UTC).Unix(), int64(-86400); got != want {
		t.Errorf("1969-12-31 midnight UTC = %d, want %d", got, want)
	}
	// Berlin is UTC+1 in winter: midnight there is 23:00 UTC the day before.
	if got, want := model.NewDate(1970, time.January, 2).Midnight(berlin).Unix(), int64(86400-3600); got != want {
		t.Errorf("1970-01-02 midnight Berlin = %d, want %d", got, want)
	}
	if got := d.AddDays(2).String(); got != "1970-01-02" {
		t.Errorf("AddDays(2) = %s, want 1970-01-02", got)
	}
	if got := model.NewDate(2024, time.March, 1).AddDays(-1).String(); got != "2024-02-29" {
		t.Errorf("AddDays(-1) = %s, want 2024-02-29", got)
	}
}

func TestAnniversary(t *testing.T) {
	tests := []struct {
		since string
		n     int
		want  string
	}{
		{"2020-06-15", 1, "2021-06-15"},
		{"2020-06-15", 4, "2024-06-15"},
		{"2020-02-29", 1, "2021-02-28"},
		{"2020-02-29", 3, "2023-02-28"},
		{"2020-02-29", 4, "2024-02-29"},
		{"2020-02-29", 80, "2100-02-28"}, // 2100 is not a leap year
		{"1996-02-29", 4, "2000-02-29"},  // 2000 is
		{"1960-02-29", 10, "1970-02-28"},
		{"1965-03-01", 3, "1968-03-01"},
		{"2020-02-28", 4, "2024-02-28"},
		{"2019-03-01", 1, "2020-03-01"},
	}
	for _, tt := range tests {
		t.Run(tt.since, func(t *testing.T) {
			if got := mustDate(t, tt.since).Anniversary(tt.n).String(); got != tt.want {
				t.Errorf("%s.Anniversary(%d) = %s, want %s", tt.since, tt.n, got, tt.want)
			}
		})
	}
}

func TestNextAnniversary(t *testing.T) {
	tests := []struct {
		name  string
		since string
		today string
		want  string
	}{
		{"later this year", "2019-06-15", "2024-06-14", "2024-06-15"},
		{"anniversary today", "2019-06-15", "2024-06-15", "2024-06-15"},
		{"day after the anniversary", "2019-06-15", "2024-06-16", "2025-06-15"},
		{"customer since today: one year later", "2024-06-15", "2024-06-15", "2025-06-15"},
		{"customer since earlier this year", "2024-01-10", "2024-06-01", "2025-01-10"},
		{"customer since late last year", "2023-11-01", "2024-02-01", "2024-11-01"},
		{"customer since yesterday", "2024-06-14", "2024-06-15", "2025-06-14"},
		{"customer since before 1970", "1965-05-10", "2024-01-01", "2024-05-10"},
		{"today before 1970", "1950-12-31", "1969-12-31", "1969-12-31"},
		{"customer in the future", "2025-01-01", "2024-06-01", "2026-01-01"},

		{"29 Feb, common year, before 28 Feb", "2020-02-29", "2023-02-27", "2023-02-28"},
		{"29 Feb, common year, on 28 Feb", "2020-02-29", "2023-02-28", "2023-02-28"},
		{"29 Feb, common year, after 28 Feb", "2020-02-29", "2023-03-01", "2024-02-29"},
		{"29 Feb, leap year, on 28 Feb", "2020-02-29", "2024-02-28", "2024-02-29"},
		{"29 Feb, leap year, on the day", "2020-02-29", "2024-02-29", "2024-02-29"},
		{"29 Feb, leap year, after", "2020-02-29", "2024-03-01", "2025-02-28"},
		{"29 Feb, customer since today", "2024-02-29", "2024-02-29", "2025-02-28"},
		{"29 Feb, first anniversary", "2024-02-29", "2024-03-01", "2025-02-28"},
		{"29 Feb, century year 2100", "2096-02-29", "2100-01-01", "2100-02-28"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustDate(t, tt.since).NextAnniversary(mustDate(t, tt.today)).String()
			if got != tt.want {
				t.Errorf("%s.NextAnniversary(%s) = %s, want %s", tt.since, tt.today, got, tt.want)
			}
		})
	}
}

func mustDate(t *testing.T, s string) model.Date {
	t.Helper()
	tm, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatalf("bad date %q: %v", s, err)
	}
	return model.NewDate(tm.Year(), tm.Month(), tm.Day())
}
