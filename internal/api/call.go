package api

import (
	"context"
	"fmt"
	"net/http"
	"reflect"

	"hakoniwa/internal/awserr"
)

// Call runs one operation on value trees: the shape codecs speak. It is the
// whole path a request takes after decoding: NewInput, Decode, Handler,
// Encode. Errors from the handler are returned untouched.
func (b *Binding) Call(ctx context.Context, operation string, in map[string]any) (map[string]any, error) {
	op, ok := b.Operation(operation)
	if !ok {
		return nil, awserr.New(http.StatusBadRequest, "InvalidAction",
			"The action %s is not valid for this web service.", operation)
	}
	input := op.NewInput()
	if err := Decode(in, input); err != nil {
		return nil, err
	}
	out, err := b.Invoke(ctx, op, input)
	if err != nil {
		return nil, err
	}
	return Encode(out), nil
}

// Result adapts a typed handler's results to a Handler's: a typed nil
// output pointer becomes a plain nil, so callers can test out == nil.
// Generated bindings call it; hand code rarely needs to.
func Result(out any, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	if v := reflect.ValueOf(out); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, nil
	}
	return out, nil
}

// InputTypeError is what a generated handler returns when called with an
// input that is not its operation's: a wiring bug, never a client's fault.
func InputTypeError(service, operation string, in any) error {
	return fmt.Errorf("%s:%s: input of type %T, want the operation's generated input", service, operation, in)
}
