//go:build long

package store

const crashRuns = 50
