package api

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"hakoniwa/internal/awserr"
)

// Generated types follow one convention, which the conversion below relies
// on (fields are matched by their `hk` tag, which holds the model's member
// name):
//
//	string, enum      *string (string inside lists and maps)
//	integer, long     *int64
//	float, double     *float64
//	boolean           *bool
//	timestamp         *time.Time
//	blob              []byte
//	streaming blob    io.Reader, in both directions; a codec that writes an
//	                  output stream closes it when it implements io.Closer
//	structure, union  *T as a member, T inside lists and maps
//	list              []T
//	map               map[string]T
//	document          any
//
// Pointers and nil slices/maps mean "absent"; a non-nil empty slice or map
// is an empty list or map on the wire.

// Decode fills dst, a pointer to a generated struct, from a value tree as
// produced by a codec. Members dst does not know are ignored, so a newer
// model never breaks an older handler. A value of the wrong type is an
// *awserr.Error (SerializationException) naming the member's path.
func Decode(src map[string]any, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("api.Decode: dst must be a non-nil pointer to a struct, got %T", dst)
	}
	p, err := planOf(rv.Elem().Type())
	if err != nil {
		return err
	}
	if err := p.decode(src, rv.Elem()); err != nil {
		return err.(*pathError).awsError()
	}
	return nil
}

// Encode turns a generated struct (or a pointer to one) into a value tree.
// Nil pointers, slices, maps and interfaces are omitted; empty non-nil
// slices and maps are kept. A nil pointer, or anything that is not a
// struct, encodes as nil.
func Encode(src any) map[string]any {
	rv := reflect.ValueOf(src)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil
	}
	p, err := planOf(rv.Type())
	if err != nil {
		// Only hand-written structs with unsupported field types get
		// here; encoding what can be encoded beats failing a response.
		return nil
	}
	return p.encode(rv)
}

// pathError is a decoding failure on its way up the tree; the path is built
// only on the error path so successful decodes pay nothing for it.
type pathError struct {
	path []string // innermost first
	msg  string
}

func (e *pathError) Error() string { return e.msg }

func (e *pathError) awsError() *awserr.Error {
	var b strings.Builder
	for i := len(e.path) - 1; i >= 0; i-- {
		seg := e.path[i]
		if b.Len() > 0 && !strings.HasPrefix(seg, "[") {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return awserr.New(http.StatusBadRequest, "SerializationException",
		"Value at '%s' %s", b.String(), e.msg)
}

func wrap(err error, seg string) error {
	pe := err.(*pathError)
	pe.path = append(pe.path, seg)
	return pe
}

func mismatch(want string, got any) error {
	return &pathError{msg: fmt.Sprintf("must be %s, not %T", want, got)}
}

// conv converts one Go type. dec receives a non-nil value and an
// addressable, settable destination; enc reports false for an absent value.
type conv struct {
	dec func(v any, dst reflect.Value) error
	enc func(src reflect.Value) (any, bool)
}

type field struct {
	name  string
	index int
	c     *conv
}

type structPlan struct {
	fields []field
	byName map[string]*field
}

// plans caches one structPlan per struct type: reflection over a type is
// paid once per process, not per request.
var plans sync.Map // reflect.Type → *structPlan

func planOf(t reflect.Type) (*structPlan, error) {
	if p, ok := plans.Load(t); ok {
		return p.(*structPlan), nil
	}
	b := &planBuilder{building: map[reflect.Type]*structPlan{}}
	p, err := b.plan(t)
	if err != nil {
		return nil, err
	}
	// Publish only complete plans: a recursive type's plan points at
	// itself and must not be seen half-built by another goroutine.
	for bt, bp := range b.building {
		plans.LoadOrStore(bt, bp)
	}
	return p, nil
}

type planBuilder struct {
	building map[reflect.Type]*structPlan
}

func (b *planBuilder) plan(t reflect.Type) (*structPlan, error) {
	if p, ok := plans.Load(t); ok {
		return p.(*structPlan), nil
	}
	if p, ok := b.building[t]; ok {
		return p, nil
	}
	p := &structPlan{byName: map[string]*field{}}
	b.building[t] = p
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, ok := sf.Tag.Lookup("hk")
		if !ok || name == "-" || !sf.IsExported() {
			continue
		}
		c, err := b.conv(sf.Type)
		if err != nil {
			return nil, fmt.Errorf("api: %s.%s: %w", t, sf.Name, err)
		}
		p.fields = append(p.fields, field{name: name, index: i, c: c})
	}
	for i := range p.fields {
		p.byName[p.fields[i].name] = &p.fields[i]
	}
	return p, nil
}

var (
	timeType   = reflect.TypeFor[time.Time]()
	readerType = reflect.TypeFor[io.Reader]()
	bytesType  = reflect.TypeFor[[]byte]()
)

func (b *planBuilder) conv(t reflect.Type) (*conv, error) {
	switch {
	case t == timeType:
		return timeConv, nil
	case t == bytesType:
		return bytesConv, nil
	case t == readerType:
		return readerConv, nil
	}
	switch t.Kind() {
	case reflect.String:
		return stringConv, nil
	case reflect.Int64:
		return intConv, nil
	case reflect.Float64:
		return floatConv, nil
	case reflect.Bool:
		return boolConv, nil
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return docConv, nil
		}
	case reflect.Pointer:
		return b.ptrConv(t)
	case reflect.Struct:
		p, err := b.plan(t)
		if err != nil {
			return nil, err
		}
		return structConv(p), nil
	case reflect.Slice:
		return b.sliceConv(t)
	case reflect.Map:
		if t.Key().Kind() == reflect.String {
			return b.mapConv(t)
		}
	}
	return nil, fmt.Errorf("unsupported field type %s", t)
}

var stringConv = &conv{
	dec: func(v any, dst reflect.Value) error {
		s, ok := v.(string)
		if !ok {
			return mismatch("a string", v)
		}
		dst.SetString(s)
		return nil
	},
	enc: func(src reflect.Value) (any, bool) { return src.String(), true },
}

var intConv = &conv{
	dec: func(v any, dst reflect.Value) error {
		n, ok := toInt64(v)
		if !ok {
			return mismatch("an integer", v)
		}
		dst.SetInt(n)
		return nil
	},
	enc: func(src reflect.Value) (any, bool) { return src.Int(), true },
}

// toInt64 accepts the integer forms hand-built trees tend to use, and
// floats only when they hold an exact integer.
func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && n >= math.MinInt64 && n < math.MaxInt64 {
			return int64(n), true
		}
	}
	return 0, false
}

var floatConv = &conv{
	dec: func(v any, dst reflect.Value) error {
		switch n := v.(type) {
		case float64:
			dst.SetFloat(n)
		case float32:
			dst.SetFloat(float64(n))
		case int64:
			dst.SetFloat(float64(n))
		case int:
			dst.SetFloat(float64(n))
		default:
			return mismatch("a number", v)
		}
		return nil
	},
	enc: func(src reflect.Value) (any, bool) { return src.Float(), true },
}

var boolConv = &conv{
	dec: func(v any, dst reflect.Value) error {
		x, ok := v.(bool)
		if !ok {
			return mismatch("a boolean", v)
		}
		dst.SetBool(x)
		return nil
	},
	enc: func(src reflect.Value) (any, bool) { return src.Bool(), true },
}

var timeConv = &conv{
	dec: func(v any, dst reflect.Value) error {
		x, ok := v.(time.Time)
		if !ok {
			return mismatch("a timestamp", v)
		}
		*dst.Addr().Interface().(*time.Time) = x
		return nil
	},
	enc: func(src reflect.Value) (any, bool) {
		return src.Interface().(time.Time).UTC(), true
	},
}

var bytesConv = &conv{
	dec: func(v any, dst reflect.Value) error {
		switch x := v.(type) {
		case []byte:
			dst.SetBytes(x)
		case string:
			dst.SetBytes([]byte(x))
		default:
			return mismatch("a blob", v)
		}
		return nil
	},
	enc: func(src reflect.Value) (any, bool) {
		if src.IsNil() {
			return nil, false
		}
		return src.Bytes(), true
	},
}

var readerConv = &conv{
	dec: func(v any, dst reflect.Value) error {
		switch x := v.(type) {
		case io.Reader:
			dst.Set(reflect.ValueOf(&x).Elem())
		case []byte:
			dst.Set(reflect.ValueOf(io.Reader(bytes.NewReader(x))))
		case string:
			dst.Set(reflect.ValueOf(io.Reader(strings.NewReader(x))))
		default:
			return mismatch("a stream", v)
		}
		return nil
	},
	enc: func(src reflect.Value) (any, bool) {
		if src.IsNil() {
			return nil, false
		}
		return src.Interface(), true
	},
}

var docConv = &conv{
	dec: func(v any, dst reflect.Value) error {
		dst.Set(reflect.ValueOf(&v).Elem())
		return nil
	},
	enc: func(src reflect.Value) (any, bool) {
		if src.IsNil() {
			return nil, false
		}
		return src.Interface(), true
	},
}

func (b *planBuilder) ptrConv(t reflect.Type) (*conv, error) {
	et := t.Elem()
	if et.Kind() == reflect.Pointer {
		return nil, fmt.Errorf("unsupported field type %s", t)
	}
	ec, err := b.conv(et)
	if err != nil {
		return nil, err
	}
	return &conv{
		dec: func(v any, dst reflect.Value) error {
			n := reflect.New(et)
			if err := ec.dec(v, n.Elem()); err != nil {
				return err
			}
			dst.Set(n)
			return nil
		},
		enc: func(src reflect.Value) (any, bool) {
			if src.IsNil() {
				return nil, false
			}
			return ec.enc(src.Elem())
		},
	}, nil
}

func structConv(p *structPlan) *conv {
	return &conv{
		dec: func(v any, dst reflect.Value) error {
			m, ok := v.(map[string]any)
			if !ok {
				return mismatch("a structure", v)
			}
			return p.decode(m, dst)
		},
		enc: func(src reflect.Value) (any, bool) { return p.encode(src), true },
	}
}

func (p *structPlan) decode(src map[string]any, dst reflect.Value) error {
	for k, v := range src {
		f := p.byName[k]
		if f == nil || v == nil {
			continue
		}
		if err := f.c.dec(v, dst.Field(f.index)); err != nil {
			return wrap(err, k)
		}
	}
	return nil
}

func (p *structPlan) encode(src reflect.Value) map[string]any {
	out := make(map[string]any)
	for i := range p.fields {
		f := &p.fields[i]
		if v, ok := f.c.enc(src.Field(f.index)); ok {
			out[f.name] = v
		}
	}
	return out
}

func (b *planBuilder) sliceConv(t reflect.Type) (*conv, error) {
	ec, err := b.conv(t.Elem())
	if err != nil {
		return nil, err
	}
	return &conv{
		dec: func(v any, dst reflect.Value) error {
			if list, ok := v.([]any); ok {
				s := reflect.MakeSlice(t, len(list), len(list))
				for i, x := range list {
					if x == nil {
						continue
					}
					if err := ec.dec(x, s.Index(i)); err != nil {
						return wrap(err, fmt.Sprintf("[%d]", i))
					}
				}
				dst.Set(s)
				return nil
			}
			// Typed slices ([]string, ...) come from hand-built trees.
			rv := reflect.ValueOf(v)
			if rv.Kind() != reflect.Slice || rv.Type() == bytesType {
				return mismatch("a list", v)
			}
			s := reflect.MakeSlice(t, rv.Len(), rv.Len())
			for i := range rv.Len() {
				if err := ec.dec(rv.Index(i).Interface(), s.Index(i)); err != nil {
					return wrap(err, fmt.Sprintf("[%d]", i))
				}
			}
			dst.Set(s)
			return nil
		},
		enc: func(src reflect.Value) (any, bool) {
			if src.IsNil() {
				return nil, false
			}
			out := make([]any, src.Len())
			for i := range out {
				out[i], _ = ec.enc(src.Index(i))
			}
			return out, true
		},
	}, nil
}

func (b *planBuilder) mapConv(t reflect.Type) (*conv, error) {
	et := t.Elem()
	ec, err := b.conv(et)
	if err != nil {
		return nil, err
	}
	kt := t.Key()
	return &conv{
		dec: func(v any, dst reflect.Value) error {
			rv := reflect.ValueOf(v)
			if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
				return mismatch("a map", v)
			}
			m := reflect.MakeMapWithSize(t, rv.Len())
			// One addressable scratch value serves every entry:
			// SetMapIndex copies it.
			tmp := reflect.New(et).Elem()
			it := rv.MapRange()
			for it.Next() {
				x := it.Value().Interface()
				tmp.SetZero()
				if x != nil {
					if err := ec.dec(x, tmp); err != nil {
						return wrap(err, "["+it.Key().String()+"]")
					}
				}
				m.SetMapIndex(it.Key().Convert(kt), tmp)
			}
			dst.Set(m)
			return nil
		},
		enc: func(src reflect.Value) (any, bool) {
			if src.IsNil() {
				return nil, false
			}
			out := make(map[string]any, src.Len())
			it := src.MapRange()
			for it.Next() {
				out[it.Key().String()], _ = ec.enc(it.Value())
			}
			return out, true
		},
	}, nil
}
