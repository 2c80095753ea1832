// Package generate lists every file generated from a configuration: the
// alert rules and the dashboards, as files and as Kubernetes objects. The committed copies are the default
// configuration's output, and tests fail when they drift.
package generate

import (
	"path/filepath"

	"github.com/retention-exporter/retention_exporter/alerts"
	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/dashboards"
)

// File is one generated file, its path relative to the repository root.
type File struct {
	Path string
	Data []byte
}

// Files renders every generated file for cfg.
func Files(cfg *config.Config) ([]File, error) {
	ruleFile := alerts.Generate(cfg)
	rules, err := alerts.Marshal(ruleFile)
	if err != nil {
		return nil, err
	}
	files := []File{{Path: filepath.Join("alerts", alerts.FileName), Data: rules}}
	boards, err := dashboards.Generate(cfg)
	if err != nil {
		return nil, err
	}
	for _, d := range boards {
		files = append(files, File{Path: filepath.Join("dashboards", "json", d.Name), Data: d.JSON})
	}
	// The same rules and dashboards as Kubernetes objects.
	pr, err := prometheusRule(ruleFile)
	if err != nil {
		return nil, err
	}
	cms, err := dashboardConfigMaps(boards)
	if err != nil {
		return nil, err
	}
	return append(files,
		File{Path: filepath.Join("deploy", "kubernetes", "prometheusrule.yaml"), Data: pr},
		File{Path: filepath.Join("deploy", "kubernetes", "grafana-dashboards.yaml"), Data: cms},
	), nil
}
