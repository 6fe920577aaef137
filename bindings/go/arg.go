// SPDX-License-Identifier: Apache-2.0

package vaccel

/*
#include <stdlib.h>
#include <string.h>
#include <vaccel.h>
*/
import "C"

import (
	"bytes"
	"fmt"
	"unsafe"
)

// ArgType is the type tag of an Arg (VACCEL_ARG_*).
type ArgType int

// The arg types of <vaccel/arg.h>.
const (
	ArgRaw          ArgType = C.VACCEL_ARG_RAW
	ArgInt8         ArgType = C.VACCEL_ARG_INT8
	ArgInt8Array    ArgType = C.VACCEL_ARG_INT8_ARRAY
	ArgInt16        ArgType = C.VACCEL_ARG_INT16
	ArgInt16Array   ArgType = C.VACCEL_ARG_INT16_ARRAY
	ArgInt32        ArgType = C.VACCEL_ARG_INT32
	ArgInt32Array   ArgType = C.VACCEL_ARG_INT32_ARRAY
	ArgInt64        ArgType = C.VACCEL_ARG_INT64
	ArgInt64Array   ArgType = C.VACCEL_ARG_INT64_ARRAY
	ArgUint8        ArgType = C.VACCEL_ARG_UINT8
	ArgUint8Array   ArgType = C.VACCEL_ARG_UINT8_ARRAY
	ArgUint16       ArgType = C.VACCEL_ARG_UINT16
	ArgUint16Array  ArgType = C.VACCEL_ARG_UINT16_ARRAY
	ArgUint32       ArgType = C.VACCEL_ARG_UINT32
	ArgUint32Array  ArgType = C.VACCEL_ARG_UINT32_ARRAY
	ArgUint64       ArgType = C.VACCEL_ARG_UINT64
	ArgUint64Array  ArgType = C.VACCEL_ARG_UINT64_ARRAY
	ArgFloat32      ArgType = C.VACCEL_ARG_FLOAT32
	ArgFloat32Array ArgType = C.VACCEL_ARG_FLOAT32_ARRAY
	ArgFloat64      ArgType = C.VACCEL_ARG_FLOAT64
	ArgFloat64Array ArgType = C.VACCEL_ARG_FLOAT64_ARRAY
	ArgBool         ArgType = C.VACCEL_ARG_BOOL
	ArgBoolArray    ArgType = C.VACCEL_ARG_BOOL_ARRAY
	ArgChar         ArgType = C.VACCEL_ARG_CHAR
	ArgCharArray    ArgType = C.VACCEL_ARG_CHAR_ARRAY
	ArgUchar        ArgType = C.VACCEL_ARG_UCHAR
	ArgUcharArray   ArgType = C.VACCEL_ARG_UCHAR_ARRAY
	ArgString       ArgType = C.VACCEL_ARG_STRING
	ArgBuffer       ArgType = C.VACCEL_ARG_BUFFER
	ArgCustom       ArgType = C.VACCEL_ARG_CUSTOM
	argMax          ArgType = C.VACCEL_ARG_MAX
)

// String is the type's name without the prefix ("INT32_ARRAY").
func (t ArgType) String() string {
	return tableName("ArgType", int(t), int(argMax), "VACCEL_ARG_",
		func() *C.char { return C.vaccel_arg_type_name(C.vaccel_arg_type_t(t)) })
}

// elemSize is the size of one element of a numeric, bool or char type (0
// for the byte-string types, whose size is free).
func (t ArgType) elemSize() int {
	switch t {
	case ArgInt8, ArgInt8Array, ArgUint8, ArgUint8Array, ArgBool,
		ArgBoolArray, ArgChar, ArgCharArray, ArgUchar, ArgUcharArray:
		return 1
	case ArgInt16, ArgInt16Array, ArgUint16, ArgUint16Array:
		return 2
	case ArgInt32, ArgInt32Array, ArgUint32, ArgUint32Array, ArgFloat32,
		ArgFloat32Array:
		return 4
	case ArgInt64, ArgInt64Array, ArgUint64, ArgUint64Array, ArgFloat64,
		ArgFloat64Array:
		return 8
	}
	return 0
}

// IsArray is true for the *_ARRAY types.
func (t ArgType) IsArray() bool {
	return t.elemSize() != 0 && t%2 == 0
}

// Arg is one typed argument of Exec, ExecWithResource and Genop. Its bytes
// are held in Go and copied into C memory for the call; the output args'
// bytes are copied back after it.
type Arg struct {
	Type ArgType
	// CustomID is the application's type id of an ArgCustom.
	CustomID uint32
	data     []byte
}

// Number is the Go types with a numeric arg and tensor type.
type Number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 |
		~uint64 | ~float32 | ~float64
}

// scalarType is the ArgType of a Number's scalar (its array is +1).
func scalarType[T Number]() ArgType {
	var zero T
	switch any(zero).(type) {
	case int8:
		return ArgInt8
	case int16:
		return ArgInt16
	case int32:
		return ArgInt32
	case int64:
		return ArgInt64
	case uint8:
		return ArgUint8
	case uint16:
		return ArgUint16
	case uint32:
		return ArgUint32
	case uint64:
		return ArgUint64
	case float32:
		return ArgFloat32
	}
	return ArgFloat64
}

// asBytes copies the native-order bytes of vs.
func asBytes[T Number](vs []T) []byte {
	if len(vs) == 0 {
		return nil
	}
	size := int(unsafe.Sizeof(vs[0])) * len(vs)
	return append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(&vs[0])), size)...)
}

// fromBytes decodes native-order bytes into values.
func fromBytes[T Number](b []byte) []T {
	var zero T
	n := len(b) / int(unsafe.Sizeof(zero))
	out := make([]T, n)
	if n > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), len(b)), b)
	}
	return out
}

// Scalar is a numeric input arg: Scalar(int32(21)) is an INT32 arg.
func Scalar[T Number](v T) *Arg {
	return &Arg{Type: scalarType[T](), data: asBytes([]T{v})}
}

// Array is a numeric array arg: Array([]float32{1, 2}) is FLOAT32_ARRAY.
func Array[T Number](vs []T) *Arg {
	return &Arg{Type: scalarType[T]() + 1, data: asBytes(vs)}
}

// Output is a zeroed arg of type t for a function to write: count elements
// of a numeric, bool or char type (1 for a scalar type), or count bytes of
// RAW, BUFFER, STRING or CUSTOM.
func Output(t ArgType, count int) (*Arg, error) {
	if t < 0 || t >= argMax {
		return nil, newError(EINVAL, "Output", fmt.Sprintf("unknown arg type %d", int(t)))
	}
	if count < 1 || (!t.IsArray() && t.elemSize() != 0 && count != 1) {
		return nil, newError(EINVAL, "Output", fmt.Sprintf(
			"%s: count %d (scalars take 1, others at least 1)", t, count))
	}
	size := count
	if e := t.elemSize(); e != 0 {
		size *= e
	}
	return &Arg{Type: t, data: make([]byte, size)}, nil
}

// MustOutput is Output for types and counts known to be valid; it panics
// otherwise.
func MustOutput(t ArgType, count int) *Arg {
	a, err := Output(t, count)
	if err != nil {
		panic(err)
	}
	return a
}

// Bool is a BOOL arg.
func Bool(v bool) *Arg { return &Arg{Type: ArgBool, data: []byte{boolByte(v)}} }

// BoolArray is a BOOL_ARRAY arg.
func BoolArray(vs []bool) *Arg {
	b := make([]byte, len(vs))
	for i, v := range vs {
		b[i] = boolByte(v)
	}
	return &Arg{Type: ArgBoolArray, data: b}
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// Char and Uchar are CHAR and UCHAR args; CharArray and UcharArray their
// arrays.
func Char(c byte) *Arg                { return &Arg{Type: ArgChar, data: []byte{c}} }
func Uchar(c byte) *Arg               { return &Arg{Type: ArgUchar, data: []byte{c}} }
func CharArray(b []byte) *Arg         { return &Arg{Type: ArgCharArray, data: clone(b)} }
func UcharArray(b []byte) *Arg        { return &Arg{Type: ArgUcharArray, data: clone(b)} }
func Buffer(b []byte) *Arg            { return &Arg{Type: ArgBuffer, data: clone(b)} }
func Raw(b []byte) *Arg               { return &Arg{Type: ArgRaw, data: clone(b)} }
func Custom(id uint32, b []byte) *Arg { return &Arg{Type: ArgCustom, CustomID: id, data: clone(b)} }

// String is a STRING arg: the text and a terminating NUL. The text must not
// contain NUL.
func String(s string) (*Arg, error) {
	if bytes.IndexByte([]byte(s), 0) >= 0 {
		return nil, newError(EINVAL, "String", "a STRING arg cannot contain NUL")
	}
	return &Arg{Type: ArgString, data: append([]byte(s), 0)}, nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// Size is the arg's size in bytes.
func (a *Arg) Size() int { return len(a.data) }

// Bytes is a copy of the arg's bytes.
func (a *Arg) Bytes() []byte { return clone(a.data) }

// Text is the bytes up to the first NUL, as a string.
func (a *Arg) Text() string {
	if i := bytes.IndexByte(a.data, 0); i >= 0 {
		return string(a.data[:i])
	}
	return string(a.data)
}

// Bools is the value of a BOOL or BOOL_ARRAY arg.
func (a *Arg) Bools() ([]bool, error) {
	if a.Type != ArgBool && a.Type != ArgBoolArray {
		return nil, typeError(a, "BOOL")
	}
	out := make([]bool, len(a.data))
	for i, b := range a.data {
		out[i] = b != 0
	}
	return out, nil
}

func typeError(a *Arg, want string) error {
	return newError(EINVAL, "Arg", fmt.Sprintf("arg is %s, not %s", a.Type, want))
}

// Values is the value of a numeric arg (scalar or array) as []T; T must be
// its type (int32 for INT32 and INT32_ARRAY, uint8 also reads UCHAR and
// CHAR).
func Values[T Number](a *Arg) ([]T, error) {
	st := scalarType[T]()
	ok := a.Type == st || a.Type == st+1
	if st == ArgUint8 || st == ArgInt8 {
		ok = ok || (a.Type >= ArgChar && a.Type <= ArgUcharArray)
	}
	if !ok {
		return nil, typeError(a, st.String())
	}
	return fromBytes[T](a.data), nil
}

// Value is the first element of Values.
func Value[T Number](a *Arg) (T, error) {
	vs, err := Values[T](a)
	if err == nil && len(vs) == 0 {
		err = newError(EINVAL, "Value", "empty arg")
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return vs[0], nil
}

func (a *Arg) String() string {
	return fmt.Sprintf("Arg(%s, %d bytes)", a.Type, len(a.data))
}

// cArgs is a C array of struct vaccel_arg whose buffers are C copies of the
// args' bytes; free releases all of it.
type cArgs struct {
	ptr  *C.struct_vaccel_arg
	args []*Arg
}

func newCArgs(args []*Arg) (*cArgs, error) {
	c := &cArgs{args: args}
	if len(args) == 0 {
		return c, nil
	}
	for i, a := range args {
		if a == nil {
			return nil, newError(EINVAL, "Arg", fmt.Sprintf("arg %d is nil", i))
		}
	}
	c.ptr = (*C.struct_vaccel_arg)(C.calloc(C.size_t(len(args)),
		C.sizeof_struct_vaccel_arg))
	items := unsafe.Slice(c.ptr, len(args))
	for i, a := range args {
		items[i]._type = C.vaccel_arg_type_t(a.Type)
		items[i].custom_type_id = C.uint32_t(a.CustomID)
		items[i].size = C.size_t(len(a.data))
		if len(a.data) > 0 {
			items[i].buf = C.CBytes(a.data)
		}
	}
	return c, nil
}

func (c *cArgs) count() C.size_t { return C.size_t(len(c.args)) }

// copyBack copies the C buffers into the Go args (after a call wrote them).
func (c *cArgs) copyBack() {
	if c.ptr == nil {
		return
	}
	for i, item := range unsafe.Slice(c.ptr, len(c.args)) {
		n := len(c.args[i].data)
		if int(item.size) < n {
			n = int(item.size)
		}
		if item.buf != nil && n > 0 {
			copy(c.args[i].data, unsafe.Slice((*byte)(item.buf), n))
		}
	}
}

func (c *cArgs) free() {
	if c.ptr == nil {
		return
	}
	for _, item := range unsafe.Slice(c.ptr, len(c.args)) {
		C.free(item.buf)
	}
	C.free(unsafe.Pointer(c.ptr))
	c.ptr = nil
}
