package config

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/retention-exporter/retention_exporter/model"
)

// Component is a health component, whose table is model.Components.
type Component = model.Component

func componentNames() string { return strings.Join(componentNameList(), ", ") }

func componentNameList() []string {
	names := make([]string, len(model.Components))
	for i, c := range model.Components {
		names[i] = string(c.Name)
	}
	return names
}

func knownComponent(name Component) bool {
	return slices.ContainsFunc(model.Components, func(c model.ComponentSpec) bool { return c.Name == name })
}

// Weights of the health components by name. A weight left out of a
// profile takes the default profile's.
type Weights map[Component]float64

// UnmarshalYAML merges the given weights into the existing ones and
// rejects unknown component names with their line.
func (w *Weights) UnmarshalYAML(n *yaml.Node) error {
	var m map[string]float64
	if err := n.Decode(&m); err != nil {
		return err
	}
	if *w == nil {
		*w = Weights{}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i].Value
		if !knownComponent(Component(key)) {
			hint := ""
			if c := closest(key, componentNameList()); c != "" {
				hint = fmt.Sprintf("; did you mean %q?", c)
			}
			return fmt.Errorf("line %d: unknown health component %q%s (known: %s)", n.Content[i].Line, key, hint, componentNames())
		}
		(*w)[Component(key)] = m[key]
	}
	return nil
}

// Sum is the total weight.
func (w Weights) Sum() float64 {
	var s float64
	for _, v := range w {
		s += v
	}
	return s
}

func defaultWeights() Weights {
	w := Weights{}
	for _, c := range model.Components {
		w[c.Name] = c.DefaultWeight
	}
	return w
}

// ProfileConfig gives the clients of some segments their own weights,
// utilization target and review cadence. What it leaves out is the
// default profile's.
type ProfileConfig struct {
	Name              string   `yaml:"name"`
	Segments          []string `yaml:"segments"`
	Weights           Weights  `yaml:"weights"`
	UtilizationTarget float64  `yaml:"utilization_target"`
	ReviewCadence     Window   `yaml:"review_cadence"`
}

// Profile is a resolved health profile: every field set.
type Profile = model.Profile

// DefaultProfile is the name of the profile of segments no profile names.
const DefaultProfile = "default"

// resolveProfiles checks the profiles and fills what they leave out
// from the default profile.
func (c *Config) resolveProfiles() error {
	h := &c.Health
	def := &Profile{Name: DefaultProfile, Weights: h.Weights, UtilizationTarget: h.UtilizationTarget, ReviewCadence: model.Window(h.ReviewCadence)}
	if err := checkProfile(def, "health"); err != nil {
		return err
	}
	bySegment := map[string]*Profile{}
	c.profileList = []*Profile{def}
	names := map[string]bool{DefaultProfile: true}
	for i, pc := range h.Profiles {
		key := fmt.Sprintf("health.profiles[%d]", i)
		if pc.Name == "" {
			return fmt.Errorf("%s: name missing", key)
		}
		key = fmt.Sprintf("health.profiles[%s]", pc.Name)
		if names[pc.Name] {
			return fmt.Errorf("%s: name used twice (%q is reserved for the profile of every other segment)", key, DefaultProfile)
		}
		names[pc.Name] = true
		if len(pc.Segments) == 0 {
			return fmt.Errorf("%s: segments missing", key)
		}
		p := &Profile{Name: pc.Name, Segments: pc.Segments, Weights: Weights{},
			UtilizationTarget: pc.UtilizationTarget, ReviewCadence: model.Window(pc.ReviewCadence)}
		for k, v := range def.Weights {
			p.Weights[k] = v
		}
		for k, v := range pc.Weights {
			p.Weights[k] = v
		}
		if p.UtilizationTarget == 0 {
			p.UtilizationTarget = def.UtilizationTarget
		}
		if p.ReviewCadence.Duration == 0 {
			p.ReviewCadence = def.ReviewCadence
		}
		if err := checkProfile(p, key); err != nil {
			return err
		}
		for _, s := range pc.Segments {
			if other, ok := bySegment[s]; ok {
				return fmt.Errorf("%s: segment %q is already in profile %s", key, s, other.Name)
			}
			bySegment[s] = p
		}
		c.profileList = append(c.profileList, p)
	}
	return nil
}

func checkProfile(p *Profile, key string) error {
	for _, comp := range model.Components {
		if v := p.Weights[comp.Name]; v < 0 {
			return fmt.Errorf("%s.weights.%s must not be negative", key, comp.Name)
		}
	}
	if Weights(p.Weights).Sum() <= 0 {
		return fmt.Errorf("%s.weights: at least one weight must be positive", key)
	}
	if p.UtilizationTarget <= 0 {
		return fmt.Errorf("%s.utilization_target must be positive", key)
	}
	if p.ReviewCadence.Duration <= 0 {
		return fmt.Errorf("%s.review_cadence: window missing", key)
	}
	if !p.ReviewCadence.WholeDays() {
		return fmt.Errorf("%s.review_cadence: %s is not a whole number of days", key, p.ReviewCadence.Label)
	}
	return nil
}

// ComponentConfigured reports whether every query feeding a component is
// enabled, whether or not its data is available now.
func (c *Config) ComponentConfigured(spec model.ComponentSpec) bool {
	for _, q := range spec.Queries {
		if !c.Enabled(q) {
			return false
		}
	}
	return true
}
