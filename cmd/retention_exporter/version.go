package main

import (
	"runtime/debug"

	"github.com/prometheus/common/version"
)

// buildVersion is what --version prints and retention_exporter_build_info
// exports, as far as the Go toolchain can record it without -ldflags.
type buildVersion struct {
	Version, Revision, BuildDate string
}

// fillVersion fills what -ldflags left empty (a plain go build or go
// install) from the build information the toolchain records: the module
// version and the VCS revision, modified flag and commit time. Stamped
// values win (.ci/build.sh). The branch is not recorded, so it stays as
// stamped.
func fillVersion(v buildVersion, bi *debug.BuildInfo) buildVersion {
	if bi == nil {
		return v
	}
	if v.Version == "" {
		v.Version = bi.Main.Version
	}
	var revision, commitTime string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.time":
			commitTime = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if v.Revision == "" && revision != "" {
		v.Revision = revision
		if modified {
			// The suffix prometheus/common/version uses for its own fallback.
			v.Revision += "-modified"
		}
	}
	if v.BuildDate == "" {
		v.BuildDate = commitTime
	}
	return v
}

// fillVersionFromBuild applies fillVersion to the package variables that
// version.Print and the build_info collector read, so it runs before the
// parser (which renders --version) is built.
func fillVersionFromBuild() {
	bi, _ := debug.ReadBuildInfo()
	v := fillVersion(buildVersion{version.Version, version.Revision, version.BuildDate}, bi)
	version.Version, version.Revision, version.BuildDate = v.Version, v.Revision, v.BuildDate
}
