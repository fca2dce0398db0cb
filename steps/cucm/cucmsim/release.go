package cucmsim

import (
	"fmt"
	"regexp"
	"strconv"
)

// release is a parsed CUCM version such as 14.0.1.12900-161, with the
// behaviour switches the simulator derives from it.
type release struct {
	major, minor, mr, build, patch int
}

var releasePattern = regexp.MustCompile(
	`^(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-(\d+))?$`)

// parseRelease reads a version string. Missing parts are filled the way
// CUCM numbers its first builds: 12.5 is 12.5.1.10000-1.
func parseRelease(s string) (release, error) {
	m := releasePattern.FindStringSubmatch(s)
	if m == nil {
		return release{}, fmt.Errorf(
			"release %q: want a version such as 14.0.1.12900-161 or 12.5", s)
	}
	num := func(i, def int) int {
		if m[i] == "" {
			return def
		}
		v, _ := strconv.Atoi(m[i])
		return v
	}
	r := release{num(1, 0), num(2, 0), num(3, 1), num(4, 10000), num(5, 1)}
	if !r.supported() {
		return release{}, fmt.Errorf(
			"release %q: the simulator models 10.5, 11.5, 12.0, 12.5, 14 and 15", s)
	}
	return r, nil
}

func (r release) supported() bool {
	switch r.major {
	case 10:
		return r.minor == 5
	case 11:
		return r.minor == 5
	case 12:
		return r.minor == 0 || r.minor == 5
	case 14, 15:
		return r.minor == 0
	}
	return false
}

// String gives the full version as "show version active" prints it.
func (r release) String() string {
	return fmt.Sprintf("%d.%d.%d.%d-%d", r.major, r.minor, r.mr, r.build, r.patch)
}

// atLeast compares against major.minor.mr.build.
func (r release) atLeast(major, minor, mr, build int) bool {
	a := [4]int{r.major, r.minor, r.mr, r.build}
	b := [4]int{major, minor, mr, build}
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return true
}

// hasRESTAPI tells whether the platform certificate REST API exists
// (release 14 and later).
func (r release) hasRESTAPI() bool { return r.major >= 14 }

// asksOU tells whether "set csr gen" asks "Include OU in CSR (yes|no)?"
// and leaves the OU out of CSRs by default (14SU1, 14.0.1.11900, on).
func (r release) asksOU() bool { return r.atLeast(14, 0, 1, 11900) }

// cnNotInSAN models CSCus47235: on 10.5.2 the CN is not copied into the
// SAN list of a CSR.
func (r release) cnNotInSAN() bool {
	return r.major == 10 && r.minor == 5 && r.mr == 2
}

// oldRestartWording tells whether "utils service restart" prints the
// pre-12 first line.
func (r release) oldRestartWording() bool { return r.major < 12 }
