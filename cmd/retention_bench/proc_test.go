package main

import (
	"testing"
	"time"
)

func TestStatCPU(t *testing.T) {
	// A command name with spaces and a parenthesis; utime 250, stime 75.
	stat := []byte("4242 (mariadbd (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 30 0 123 456 789\n")
	got, err := statCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3250 * time.Millisecond; got != want {
		t.Errorf("cpu = %v, want %v", got, want)
	}
	if _, err := statCPU([]byte("4242 (short) S 1 2")); err == nil {
		t.Error("a truncated stat line read without error")
	}
}

func TestVmHWM(t *testing.T) {
	status := []byte("Name:\tmariadbd\nVmPeak:\t 999999 kB\nVmHWM:\t  198765 kB\nVmRSS:\t  150000 kB\n")
	if got := vmHWM(status); got != 198765 {
		t.Errorf("VmHWM = %d, want 198765", got)
	}
	if got := vmHWM([]byte("Name:\tx\n")); got != 0 {
		t.Errorf("VmHWM without the line = %d", got)
	}
}
