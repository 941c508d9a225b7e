//go:build !long

package store

// crashRuns is how many kill -9 rounds TestCrash runs by default; the long
// build tag (or HAKONIWA_LONG=1) raises it.
const crashRuns = 5
