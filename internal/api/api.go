// Package api is the runtime that generated service packages
// (internal/api/<service>) bind to: an operation table whose handlers take
// and return generated Go types, plus the conversion between those types and
// the codec's value trees.
package api

import (
	"context"

	"hakoniwa/internal/model"
)

// Handler calls one operation of a service implementation. in is a pointer
// to the generated input struct (NewInput's result, filled by Decode); the
// result is a pointer to the generated output struct, or nil.
type Handler func(ctx context.Context, in any) (any, error)

// Operation is one row of a service's operation table.
type Operation struct {
	Name     string
	NewInput func() any
	Handler  Handler
}

// Binding is a service implementation bound to its model.
type Binding struct {
	// ID is the service's model directory name (sts, ec2, ...).
	ID string
	// Model returns the parsed model; it is loaded on first use.
	Model      func() *model.Service
	Operations map[string]Operation
}
