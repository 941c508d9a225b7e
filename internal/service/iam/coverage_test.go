package iam

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"hakoniwa/internal/awserr"

	iamapi "hakoniwa/internal/api/iam"
)

// notImplemented are the IAM operations hakoniwa leaves to the generated
// NotImplemented answer: none.
var notImplemented []string

// TestOnlyListedOperationsNotImplemented calls every operation of the IAM
// API with an empty input: none may panic, and only the listed ones may
// answer NotImplemented.
func TestOnlyListedOperationsNotImplemented(t *testing.T) {
	s, ctx := newTestService(t)
	api := reflect.TypeFor[iamapi.API]()
	v := reflect.ValueOf(iamapi.API(s))
	var got []string
	for i := range api.NumMethod() {
		m := api.Method(i)
		in := reflect.New(m.Type.In(1).Elem())
		res := v.MethodByName(m.Name).Call([]reflect.Value{reflect.ValueOf(context.Context(ctx)), in})
		if err, _ := res[1].Interface().(error); err != nil {
			if e := awserr.As(err); e.Code == "NotImplemented" {
				got = append(got, m.Name)
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, notImplemented) {
		t.Fatalf("NotImplemented operations:\n got %v\nwant %v", got, notImplemented)
	}
}
