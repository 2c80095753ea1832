package config

import (
	"fmt"
	"time"

	promodel "github.com/prometheus/common/model"

	"github.com/retention-exporter/retention_exporter/model"
	"go.yaml.in/yaml/v3"
)

// Window is a look-back period such as "30d" as the config file writes
// it: a model.Window read from YAML.
type Window model.Window

// ParseWindow parses a Prometheus-style duration ("30d", "12w", "1y").
func ParseWindow(s string) (Window, error) {
	d, err := promodel.ParseDuration(s)
	if err != nil {
		return Window{}, fmt.Errorf("window %q: %w", s, err)
	}
	if d <= 0 {
		return Window{}, fmt.Errorf("window %q: must be positive", s)
	}
	return Window{Label: s, Duration: time.Duration(d)}, nil
}

// MustWindow is ParseWindow for literals known to be valid.
func MustWindow(s string) Window {
	w, err := ParseWindow(s)
	if err != nil {
		panic(err)
	}
	return w
}

// Days is the window in whole days; date windows must be whole days.
func (w Window) Days() int { return model.Window(w).Days() }

// WholeDays reports whether the window is a whole number of days.
func (w Window) WholeDays() bool { return model.Window(w).WholeDays() }

func (w Window) String() string { return w.Label }

// UnmarshalYAML reads a window from a scalar.
func (w *Window) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a window is a duration such as 30d", n.Line)
	}
	p, err := ParseWindow(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*w = p
	return nil
}

// MarshalYAML writes the window as written.
func (w Window) MarshalYAML() (any, error) { return w.Label, nil }

// Duration is a YAML duration in Prometheus notation ("5m", "1h", "30s").
type Duration time.Duration

// UnmarshalYAML reads a duration from a scalar.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a duration is a string such as 5m", n.Line)
	}
	p, err := promodel.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: duration %q: %w", n.Line, n.Value, err)
	}
	*d = Duration(p)
	return nil
}

// MarshalYAML writes the duration in Prometheus notation.
func (d Duration) MarshalYAML() (any, error) { return promodel.Duration(d).String(), nil }

func (d Duration) String() string { return promodel.Duration(d).String() }
