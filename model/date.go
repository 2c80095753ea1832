package model

import "time"

// Date is a calendar date, counted in days since 1970-01-01.
type Date int32

const secondsPerDay = 24 * 60 * 60

// NewDate returns the date y-m-d; out-of-range days normalise as time.Date does.
func NewDate(y int, m time.Month, d int) Date {
	return Date(floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), secondsPerDay))
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return NewDate(y, m, d)
}

// YMD returns the year, month and day.
func (d Date) YMD() (int, time.Month, int) {
	return time.Unix(int64(d)*secondsPerDay, 0).UTC().Date()
}

// Midnight returns 00:00 of the date in loc.
func (d Date) Midnight(loc *time.Location) time.Time {
	y, m, day := d.YMD()
	return time.Date(y, m, day, 0, 0, 0, 0, loc)
}

// AddDays returns the date n days later.
func (d Date) AddDays(n int) Date { return d + Date(n) }

func (d Date) String() string {
	return time.Unix(int64(d)*secondsPerDay, 0).UTC().Format(time.DateOnly)
}

// Anniversary returns the date n years after d; 29 February falls on
// 28 February in common years.
func (d Date) Anniversary(n int) Date {
	y, m, day := d.YMD()
	y += n
	if m == time.February && day == 29 && !isLeap(y) {
		day = 28
	}
	return NewDate(y, m, day)
}

// NextAnniversary returns the first anniversary (one or more years after
// d) that is on or after today.
func (d Date) NextAnniversary(today Date) Date {
	dy, _, _ := d.YMD()
	ty, _, _ := today.YMD()
	n := max(1, ty-dy)
	a := d.Anniversary(n)
	for a < today {
		n++
		a = d.Anniversary(n)
	}
	return a
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
