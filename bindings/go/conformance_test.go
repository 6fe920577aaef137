// SPDX-License-Identifier: Apache-2.0

package vaccel

// The shared conformance cases (tests/conformance/cases.json, format in
// tests/conformance/README.md), also run by the Python bindings
// (bindings/python/tests/conformance.py).

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

type confCase map[string]any

func loadCases(t *testing.T, context string) []confCase {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "tests", "conformance", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Cases []confCase }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var out []confCase
	for _, c := range doc.Cases {
		for _, on := range c["on"].([]any) {
			if on == context {
				out = append(out, c)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no cases for %q", context)
	}
	return out
}

type skipCase string

// runner runs one case on a session.
type runner struct {
	t   *testing.T
	s   *Session
	res *Resource
}

// expand resolves $DEPS, $MYTESTLIB and $RESOURCE_ID; a named file that is
// missing skips the case.
func (r *runner) expand(v any) any {
	text, ok := v.(string)
	if !ok || !strings.HasPrefix(text, "$") {
		return v
	}
	if text == "$RESOURCE_ID" {
		return float64(r.res.ID())
	}
	lib := filepath.Join(os.Getenv("VACCEL_BUILD_ROOT"), "examples", "libmytestlib.so")
	path := strings.NewReplacer("$DEPS", depsDir(), "$MYTESTLIB", lib).Replace(text)
	if _, err := os.Stat(path); err != nil {
		panic(skipCase(fmt.Sprintf("%s: no %s", text, path)))
	}
	return path
}

func (r *runner) str(v any) string { return r.expand(v).(string) }

// data is the bytes of {"text": latin-1} / {"hex"} / {"file"}.
func (r *runner) data(spec any) []byte {
	m := spec.(map[string]any)
	if s, ok := m["text"].(string); ok {
		b := make([]byte, 0, len(s))
		for _, c := range s {
			b = append(b, byte(c))
		}
		return b
	}
	if h, ok := m["hex"].(string); ok {
		b, err := hex.DecodeString(h)
		if err != nil {
			r.t.Fatal(err)
		}
		return b
	}
	b, err := os.ReadFile(r.str(m["file"]))
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

func floats(v any) []float64 {
	var out []float64
	for _, x := range v.([]any) {
		switch x := x.(type) {
		case bool:
			out = append(out, map[bool]float64{false: 0, true: 1}[x])
		default:
			out = append(out, x.(float64))
		}
	}
	return out
}

func conv[T Number](vs []float64) []T {
	out := make([]T, len(vs))
	for i, v := range vs {
		out[i] = T(v)
	}
	return out
}

// numeric builds a numeric scalar or array arg of a type name.
func numeric(kind string, vs []float64) *Arg {
	base := strings.TrimSuffix(kind, "_array")
	mk := map[string]func() *Arg{
		"int8": func() *Arg { return Array(conv[int8](vs)) }, "int16": func() *Arg { return Array(conv[int16](vs)) },
		"int32": func() *Arg { return Array(conv[int32](vs)) }, "int64": func() *Arg { return Array(conv[int64](vs)) },
		"uint8": func() *Arg { return Array(conv[uint8](vs)) }, "uint16": func() *Arg { return Array(conv[uint16](vs)) },
		"uint32": func() *Arg { return Array(conv[uint32](vs)) }, "uint64": func() *Arg { return Array(conv[uint64](vs)) },
		"float32": func() *Arg { return Array(conv[float32](vs)) }, "float64": func() *Arg { return Array(conv[float64](vs)) },
		"uchar": func() *Arg { return UcharArray(conv[uint8](vs)) }, "char": func() *Arg { return CharArray(conv[uint8](vs)) },
		"bool": func() *Arg {
			bs := make([]bool, len(vs))
			for i, v := range vs {
				bs[i] = v != 0
			}
			return BoolArray(bs)
		},
	}[base]()
	if kind == base { // a scalar: the array's type minus one
		mk.Type--
	}
	return mk
}

var argTypes = map[string]ArgType{}

func init() {
	for t := ArgRaw; t < argMax; t++ {
		argTypes[strings.ToLower(t.String())] = t
	}
}

func (r *runner) arg(spec map[string]any) *Arg {
	kind := spec["type"].(string)
	value := r.expand(spec["value"])
	count := 1
	if c, ok := spec["count"].(float64); ok {
		count = int(c)
	}
	switch {
	case kind == "string":
		a, err := String(value.(string))
		if err != nil {
			r.t.Fatal(err)
		}
		return a
	case value == nil:
		a := MustOutput(argTypes[kind], count)
		if id, ok := spec["id"].(float64); ok {
			a.CustomID = uint32(id)
		}
		return a
	case kind == "buffer":
		return Buffer(r.data(value))
	case kind == "custom":
		return Custom(uint32(spec["id"].(float64)), r.data(value))
	case strings.HasSuffix(kind, "_array"):
		return numeric(kind, floats(value))
	}
	return numeric(kind, floats([]any{value}))
}

func (r *runner) args(list any) []*Arg {
	var out []*Arg
	for _, a := range list.([]any) {
		out = append(out, r.arg(a.(map[string]any)))
	}
	return out
}

var resourceTypes = map[string]ResourceType{"LIB": ResourceLib, "DATA": ResourceData, "MODEL": ResourceModel}

func (r *runner) resource(spec map[string]any) (*Resource, error) {
	typ := ResourceModel
	if s, ok := spec["type"].(string); ok {
		typ = resourceTypes[s]
	}
	if p, ok := spec["path"]; ok {
		return NewResource(r.str(p), typ)
	}
	if b, ok := spec["bytes"]; ok {
		name, _ := spec["name"].(string)
		memOnly, _ := spec["mem_only"].(bool)
		return NewResourceFromBytes(r.data(b), name, typ, memOnly)
	}
	var bufs []NamedBuffer
	for _, b := range spec["buffers"].([]any) {
		bufs = append(bufs, NamedBuffer{b.(map[string]any)["name"].(string), r.data(b)})
	}
	return NewResourceFromBuffers(bufs, typ)
}

// tensorOf is a case's tensor (values encoded by dtype).
func tensorOf(t *testing.T, spec any) Tensor {
	m := spec.(map[string]any)
	dt, err := ParseDType(m["dtype"].(string))
	if err != nil {
		t.Fatal(err)
	}
	vs := floats(m["values"])
	data := map[DType]func() []byte{
		Float32: func() []byte { return asBytes(conv[float32](vs)) }, Float64: func() []byte { return asBytes(vs) },
		Int8: func() []byte { return asBytes(conv[int8](vs)) }, Int16: func() []byte { return asBytes(conv[int16](vs)) },
		Int32: func() []byte { return asBytes(conv[int32](vs)) }, Int64: func() []byte { return asBytes(conv[int64](vs)) },
		Uint8: func() []byte { return asBytes(conv[uint8](vs)) }, Uint16: func() []byte { return asBytes(conv[uint16](vs)) },
		Uint32: func() []byte { return asBytes(conv[uint32](vs)) }, Uint64: func() []byte { return asBytes(conv[uint64](vs)) },
		BoolType: func() []byte { return asBytes(conv[uint8](vs)) },
	}[dt]()
	return Tensor{DType: dt, Shape: conv[int64](floats(m["shape"])), Data: data}
}

// run performs the case's op and returns what the expectations compare.
func (r *runner) run(c confCase) (map[string]any, error) {
	if spec, ok := c["resource"].(map[string]any); ok {
		res, err := r.resource(spec)
		if err != nil {
			return nil, err
		}
		r.res = res
		defer res.Close()
		if reg, ok := spec["register"].(bool); !ok || reg {
			if err := r.s.Register(res); err != nil {
				return nil, err
			}
		}
	}
	switch op := c["op"].(string); op {
	case "noop":
		return map[string]any{}, r.s.Noop()
	case "classify":
		text, name, err := r.s.ClassifySized(r.data(c["image"]), intOr(c["text_size"], textSize), intOr(c["name_size"], textSize))
		return map[string]any{"text": text, "name": name}, err
	case "detect", "segment", "pose", "depth":
		fn := map[string]func([]byte) (string, error){"detect": r.s.Detect, "segment": r.s.Segment, "pose": r.s.Pose, "depth": r.s.Depth}[op]
		out, err := fn(r.data(c["image"]))
		return map[string]any{"out": out}, err
	case "exec", "exec_with_resource", "genop":
		return r.runArgs(c)
	case "sgemm":
		m, n, k := intOr(c["m"], 0), intOr(c["n"], 0), intOr(c["k"], 0)
		var cin []float32
		if c["c"] != nil {
			cin = conv[float32](floats(c["c"]))
		}
		out, err := r.s.Sgemm(m, n, k, float32(floatOr(c["alpha"], 1)), conv[float32](floats(c["a"])),
			conv[float32](floats(c["b"])), float32(floatOr(c["beta"], 0)), cin)
		return map[string]any{"c": out}, err
	case "onnx_run", "torch_run":
		return r.runModel(c)
	}
	r.t.Fatalf("unknown op %v", c["op"])
	return nil, nil
}

func (r *runner) runArgs(c confCase) (map[string]any, error) {
	read, write := r.args(c["read"]), r.args(c["write"])
	var err error
	switch c["op"] {
	case "exec":
		err = r.s.Exec(r.str(c["library"]), c["symbol"].(string), read, write)
	case "exec_with_resource":
		err = r.s.ExecWithResource(r.res, c["symbol"].(string), read, write)
	default:
		var op Op
		if n, ok := c["genop"].(float64); ok {
			op = Op(n)
		} else if op, err = ParseOp(c["genop"].(string)); err != nil {
			r.t.Fatal(err)
		}
		err = r.s.Genop(op, read, write)
	}
	return map[string]any{"write": write}, err
}

func (r *runner) runModel(c confCase) (map[string]any, error) {
	var ins []Tensor
	for _, t := range c["inputs"].([]any) {
		ins = append(ins, tensorOf(r.t, t))
	}
	nr := intOr(c["nr_outputs"], 1)
	var outs []Tensor
	var err error
	if c["op"] == "onnx_run" {
		if err = r.s.OnnxLoad(r.res); err == nil {
			outs, err = r.s.OnnxRun(r.res, ins, nr)
		}
	} else {
		outs, err = r.s.TorchRun(r.res, ins, nr)
	}
	return map[string]any{"outputs": outs}, err
}

func intOr(v any, def int) int {
	if f, ok := v.(float64); ok {
		return int(f)
	}
	return def
}

func floatOr(v any, def float64) float64 {
	if f, ok := v.(float64); ok {
		return f
	}
	return def
}

// checkWrite compares a written arg with its expectation.
func checkWrite(t *testing.T, want any, a *Arg) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		if s, ok := w["cstring"]; ok && a.Text() != s {
			t.Errorf("cstring %q, want %q", a.Text(), s)
		}
		if h, ok := w["hex"]; ok && hex.EncodeToString(a.Bytes()) != h {
			t.Errorf("hex %s, want %s", hex.EncodeToString(a.Bytes()), h)
		}
		return
	case []any:
		checkValues(t, a, floats(w))
	default:
		checkValues(t, a, floats([]any{w}))
	}
}

func checkValues(t *testing.T, a *Arg, want []float64) {
	t.Helper()
	var got []float64
	width := a.Type.elemSize()
	for i := 0; i+width <= a.Size() && width > 0; i += width {
		one := &Arg{Type: a.Type, data: a.data[i : i+width]}
		got = append(got, argFloat(one))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s values %v, want %v", a.Type, got, want)
	}
}

// argFloat is one element of a numeric arg as float64.
func argFloat(a *Arg) float64 {
	st := a.Type
	if st.IsArray() {
		st--
	}
	get := map[ArgType]func() float64{
		ArgInt8:    func() float64 { v, _ := Value[int8](a); return float64(v) },
		ArgInt16:   func() float64 { v, _ := Value[int16](a); return float64(v) },
		ArgInt32:   func() float64 { v, _ := Value[int32](a); return float64(v) },
		ArgInt64:   func() float64 { v, _ := Value[int64](a); return float64(v) },
		ArgUint16:  func() float64 { v, _ := Value[uint16](a); return float64(v) },
		ArgUint32:  func() float64 { v, _ := Value[uint32](a); return float64(v) },
		ArgUint64:  func() float64 { v, _ := Value[uint64](a); return float64(v) },
		ArgFloat32: func() float64 { v, _ := Value[float32](a); return float64(v) },
		ArgFloat64: func() float64 { v, _ := Value[float64](a); return v },
	}[st]
	if get == nil { // one-byte types: uint8, char, uchar, bool
		return float64(a.data[0])
	}
	return get()
}

func (r *runner) check(c confCase, got map[string]any) {
	want, _ := c["expect"].(map[string]any)
	for key, w := range want {
		switch key {
		case "text_regex":
			if !regexp.MustCompile(w.(string)).MatchString(got["text"].(string)) {
				r.t.Errorf("text %q does not match %s", got["text"], w)
			}
		case "write":
			for i, one := range w.([]any) {
				checkWrite(r.t, one, got["write"].([]*Arg)[i])
			}
		case "c":
			if g := got["c"].([]float32); !reflect.DeepEqual(widen(g), floats(w)) {
				r.t.Errorf("C = %v, want %v", g, w)
			}
		case "outputs":
			var exp []Tensor
			for _, t := range w.([]any) {
				exp = append(exp, tensorOf(r.t, t))
			}
			if !reflect.DeepEqual(got["outputs"], exp) {
				r.t.Errorf("outputs %+v, want %+v", got["outputs"], exp)
			}
		default:
			if got[key] != w {
				r.t.Errorf("%s = %q, want %q", key, got[key], w)
			}
		}
	}
}

// wantError is the codes an "error" expectation allows (nil: none).
func wantError(c confCase) []ErrorCode {
	want, _ := c["expect"].(map[string]any)
	var names []any
	switch e := want["error"].(type) {
	case nil:
		return nil
	case string:
		names = []any{e}
	default:
		names = e.([]any)
	}
	var codes []ErrorCode
	for _, n := range names {
		code, _ := ParseErrorCode(n.(string))
		codes = append(codes, code)
	}
	return codes
}

func runCase(t *testing.T, c confCase, hint PluginType) {
	s := mustSession(t, hint)
	r := &runner{t: t, s: s}
	defer func() {
		if p := recover(); p != nil {
			why, ok := p.(skipCase)
			if !ok {
				panic(p)
			}
			t.Skip(string(why))
		}
	}()
	got, err := r.run(c)
	codes := wantError(c)
	if codes == nil {
		if err != nil {
			t.Fatal(err)
		}
		r.check(c, got)
		return
	}
	var ve *Error
	if !errors.As(err, &ve) {
		t.Fatalf("want an error %v, got %v", codes, err)
	}
	for _, code := range codes {
		if ve.Code == code {
			return
		}
	}
	t.Fatalf("error %v, want one of %v", err, codes)
}

func runCases(t *testing.T, context string, hint PluginType) {
	for _, c := range loadCases(t, context) {
		c := c
		t.Run(strings.ReplaceAll(c["name"].(string), " ", "_"), func(t *testing.T) {
			runCase(t, c, hint)
		})
	}
}

// TestConformance runs each context's cases with its plugin loaded here,
// and the "remote" ones through a real vaccel-agent (noop backend) on a
// UNIX socket.
func TestConformance(t *testing.T) {
	for _, ctx := range []struct {
		name, plugin string
		hint         PluginType
	}{
		{"noop", "noop", PluginNone}, {"exec", "exec", PluginNone},
		{"blas", "blas", PluginNone}, {"onnx", "onnx", PluginNone},
		{"torch", "torch", PluginTorch}, {"remote", "", PluginRemote},
	} {
		ctx := ctx
		t.Run(ctx.name, func(t *testing.T) {
			switch ctx.name {
			case "remote":
				useAgent(t, "noop")
			case "onnx":
				if _, err := os.Stat(filepath.Join(depsDir(), "onnxruntime")); err != nil {
					t.Skip("no ONNX Runtime under $VACCEL_DEPS (scripts/fetch-assets.sh)")
				}
				fallthrough
			default:
				usePlugins(t, ctx.plugin)
			}
			runCases(t, ctx.name, ctx.hint)
		})
	}
}

func widen(vs []float32) []float64 {
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i] = float64(v)
	}
	return out
}
