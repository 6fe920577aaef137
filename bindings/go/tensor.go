// SPDX-License-Identifier: Apache-2.0

package vaccel

/*
#include <stdlib.h>
#include <vaccel.h>
*/
import "C"

import (
	"fmt"
)

// DType is a tensor element type.
type DType int

// The element types (each family takes a subset: see onnxCodes, torchCodes).
const (
	Float32 DType = iota + 1
	Float64
	Float16
	Int8
	Int16
	Int32
	Int64
	Uint8
	Uint16
	Uint32
	Uint64
	BoolType
)

var dtypeNames = map[DType]string{
	Float32: "float32", Float64: "float64", Float16: "float16", Int8: "int8",
	Int16: "int16", Int32: "int32", Int64: "int64", Uint8: "uint8",
	Uint16: "uint16", Uint32: "uint32", Uint64: "uint64", BoolType: "bool",
}

var dtypeSizes = map[DType]int{
	Float32: 4, Float64: 8, Float16: 2, Int8: 1, Int16: 2, Int32: 4,
	Int64: 8, Uint8: 1, Uint16: 2, Uint32: 4, Uint64: 8, BoolType: 1,
}

// enum vaccel_onnx_data_type and enum vaccel_torch_data_type
var onnxCodes = map[DType]int{
	Float32: C.VACCEL_ONNX_FLOAT, Uint8: C.VACCEL_ONNX_UINT8,
	Int8: C.VACCEL_ONNX_INT8, Uint16: C.VACCEL_ONNX_UINT16,
	Int16: C.VACCEL_ONNX_INT16, Int32: C.VACCEL_ONNX_INT32,
	Int64: C.VACCEL_ONNX_INT64, BoolType: C.VACCEL_ONNX_BOOL,
	Float16: C.VACCEL_ONNX_FLOAT16, Float64: C.VACCEL_ONNX_DOUBLE,
	Uint32: C.VACCEL_ONNX_UINT32, Uint64: C.VACCEL_ONNX_UINT64,
}

var torchCodes = map[DType]int{
	Uint8: C.VACCEL_TORCH_BYTE, Int8: C.VACCEL_TORCH_CHAR,
	Int16: C.VACCEL_TORCH_SHORT, Int32: C.VACCEL_TORCH_INT,
	Int64: C.VACCEL_TORCH_LONG, Float16: C.VACCEL_TORCH_HALF,
	Float32: C.VACCEL_TORCH_FLOAT,
}

func (d DType) String() string {
	if n, ok := dtypeNames[d]; ok {
		return n
	}
	return fmt.Sprintf("DType(%d)", int(d))
}

// Size is the size of one element in bytes.
func (d DType) Size() int { return dtypeSizes[d] }

// ParseDType maps "float32", "int64", ... to a DType.
func ParseDType(name string) (DType, error) {
	for d, n := range dtypeNames {
		if n == name {
			return d, nil
		}
	}
	return 0, newError(EINVAL, "ParseDType", fmt.Sprintf("unknown dtype %q", name))
}

// Tensor is an input or output of a model run: element type, shape and the
// elements' bytes in C (row-major) order.
type Tensor struct {
	DType DType
	Shape []int64
	Data  []byte
}

func dtypeOf[T Number]() DType {
	return map[ArgType]DType{
		ArgInt8: Int8, ArgInt16: Int16, ArgInt32: Int32, ArgInt64: Int64,
		ArgUint8: Uint8, ArgUint16: Uint16, ArgUint32: Uint32,
		ArgUint64: Uint64, ArgFloat32: Float32, ArgFloat64: Float64,
	}[scalarType[T]()]
}

// TensorOf is a tensor of values with a shape.
func TensorOf[T Number](shape []int64, values []T) Tensor {
	return Tensor{DType: dtypeOf[T](), Shape: append([]int64(nil), shape...),
		Data: asBytes(values)}
}

// TensorValues decodes a tensor's data; T must match its DType.
func TensorValues[T Number](t Tensor) ([]T, error) {
	if want := dtypeOf[T](); t.DType != want {
		return nil, newError(EINVAL, "TensorValues",
			fmt.Sprintf("tensor is %s, not %s", t.DType, want))
	}
	return fromBytes[T](t.Data), nil
}

// check verifies a tensor's shape against its data size.
func (t Tensor) check(codes map[DType]int, family string) error {
	if _, ok := codes[t.DType]; !ok {
		return newError(EINVAL, family, fmt.Sprintf("%s tensors have no %s", family, t.DType))
	}
	n := int64(1)
	for _, d := range t.Shape {
		if d < 0 {
			return newError(EINVAL, family, fmt.Sprintf("negative dimension in %v", t.Shape))
		}
		n *= d
	}
	if n*int64(t.DType.Size()) != int64(len(t.Data)) {
		return newError(EINVAL, family, fmt.Sprintf("shape %v of %s needs %d bytes, data has %d",
			t.Shape, t.DType, n*int64(t.DType.Size()), len(t.Data)))
	}
	return nil
}
