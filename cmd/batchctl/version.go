package main

import (
	"runtime/debug"
)

// version is the release batchctl reports with --version. Builds may set it
// with -ldflags "-X main.version=v1.2.3"; otherwise it comes from the
// module's build information, which `go install ...@v1.2.3` fills in.
var version = ""

// versionString returns "batchctl v1.2.3 (go1.26.0)"; "(devel)" stands for a
// build from a working tree, followed by its VCS revision when known.
func versionString() string {
	v := version
	goVersion := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		if v == "" {
			v = bi.Main.Version
		}
		if v == "" || v == "(devel)" {
			v = "(devel)"
			var rev, modified string
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					if s.Value == "true" {
						modified = "+dirty"
					}
				}
			}
			if rev != "" {
				v += " " + rev[:min(12, len(rev))] + modified
			}
		}
	}
	if v == "" {
		v = "(unknown)"
	}
	if goVersion != "" {
		return "batchctl " + v + " (" + goVersion + ")"
	}
	return "batchctl " + v
}
