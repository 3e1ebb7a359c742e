package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// Stamped at build time, for example by packaging/build-deb:
//
//	go build -ldflags "-X main.version=1.2.0 -X main.commit=$(git rev-parse HEAD) \
//	  -X main.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)" ./cmd/loaxa
//
// Left empty, they are read from the module and VCS information the Go
// toolchain embeds (runtime/debug.ReadBuildInfo).
var (
	version   string
	commit    string
	buildDate string
)

// buildInfo says which loaxa this is.
type buildInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Date     string `json:"date,omitempty"` // RFC 3339: the build, or the commit's time when not stamped
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
}

// currentBuild combines the stamped values with what the toolchain
// embedded. A value stamped with -X always wins.
func currentBuild() buildInfo {
	info, _ := debug.ReadBuildInfo()
	return combineBuild(version, commit, buildDate, info)
}

// combineBuild fills what was not stamped from info (nil: nothing known).
func combineBuild(version, commit, buildDate string, info *debug.BuildInfo) buildInfo {
	b := buildInfo{Version: version, Commit: commit, Date: buildDate, Go: runtime.Version()}
	if info != nil {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				if b.Date == "" {
					b.Date = s.Value
				}
			case "vcs.modified":
				if commit == "" { // a stamped commit says what was built
					b.Modified = s.Value == "true"
				}
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	return b
}

// String is the one line `loaxa version` prints and the site's footer shows:
// "1.2.0 (a1b2c3d4e5f6, 2026-12-01)".
func (b buildInfo) String() string {
	var extra []string
	if c := b.Commit; c != "" {
		if len(c) > 12 {
			c = c[:12]
		}
		if b.Modified {
			c += "+sửa đổi"
		}
		extra = append(extra, c)
	}
	if b.Date != "" {
		if t, err := time.Parse(time.RFC3339, b.Date); err == nil {
			extra = append(extra, t.UTC().Format("2006-01-02"))
		} else {
			extra = append(extra, b.Date)
		}
	}
	if len(extra) == 0 {
		return b.Version
	}
	return b.Version + " (" + strings.Join(extra, ", ") + ")"
}

// versionCmd is `loaxa version [--json]`.
func versionCmd(_ context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa version", "[--json]",
		"In phiên bản, commit và ngày build của loaxa (cũng có trong /healthz, dòng nhật ký đầu tiên và chân trang quản trị).")
	asJSON := f.Bool("json", false, "in dạng JSON")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	b := currentBuild()
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(b)
	}
	fmt.Fprintf(e.stdout, "loaxa %s\ncommit: %s\nbuild:  %s\ngo:     %s\n", b.Version, orDash(b.Commit), orDash(b.Date), b.Go)
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
