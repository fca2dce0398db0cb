package decode

import (
	"fmt"
	"strings"
)

// Suggest returns the option closest to name when it is close enough to be
// a likely typo, or "".
func Suggest(name string, options []string) string {
	best, bestDist := "", -1
	for _, o := range options {
		d := distance(strings.ToLower(name), strings.ToLower(o))
		if bestDist < 0 || d < bestDist || (d == bestDist && o < best) {
			best, bestDist = o, d
		}
	}
	if bestDist < 0 {
		return ""
	}
	limit := max(1, min(len(name), len(best))/3)
	if bestDist <= limit {
		return best
	}
	return ""
}

// DidYouMean returns ` (did you mean "x"?)` for the closest option, or "".
func DidYouMean(name string, options []string) string {
	if s := Suggest(name, options); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// distance is the Levenshtein distance with adjacent transpositions
// counted as one edit.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
