// Package api is the runtime that generated service packages
// (internal/api/<service>) bind to: an operation table whose handlers take
// and return generated Go types, plus the conversion between those types and
// the codec's value trees.
package api

import (
	"context"
	"slices"
	"strings"

	"hakoniwa/internal/model"
)

// Handler calls one operation of a service implementation. impl is the
// bound implementation (the Binding's Impl); in is a pointer to the
// generated input struct (NewInput's result, filled by Decode); the result
// is a pointer to the generated output struct, or nil.
type Handler func(impl any, ctx context.Context, in any) (any, error)

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
	Model func() *model.Service
	// Impl is what the Handlers are called on.
	Impl any
	// Operations is the generated table, sorted by Name. It is a package
	// variable the linker lays out, shared by every Binding of the
	// service, so binding EC2's 700-odd operations allocates nothing at
	// start (a map built per Bind cost about 5% of exec-to-first-200).
	Operations []Operation
}

// Operation finds an operation by name.
func (b *Binding) Operation(name string) (*Operation, bool) {
	i, ok := slices.BinarySearchFunc(b.Operations, name, func(o Operation, n string) int { return strings.Compare(o.Name, n) })
	if !ok {
		return nil, false
	}
	return &b.Operations[i], true
}

// Invoke calls op on the bound implementation.
func (b *Binding) Invoke(ctx context.Context, op *Operation, in any) (any, error) {
	return op.Handler(b.Impl, ctx, in)
}
