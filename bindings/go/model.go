// SPDX-License-Identifier: Apache-2.0

package vaccel

/*
#include <stdlib.h>
#include <vaccel.h>

// The ONNX and Torch tensor families behind one set of functions (fam 0:
// ONNX, 1: Torch); tensors are passed as void *.
static int go_tensor_new(int fam, void **t, int nr_dims, const int64_t *dims,
			 int type, void *data, size_t size)
{
	int ret;
	if (fam == 0)
		ret = vaccel_onnx_tensor_new((struct vaccel_onnx_tensor **)t,
					     nr_dims, dims, type);
	else
		ret = vaccel_torch_tensor_new((struct vaccel_torch_tensor **)t,
					      nr_dims, dims, type);
	if (ret)
		return ret;
	return fam == 0 ? vaccel_onnx_tensor_set_data(*t, data, size)
			: vaccel_torch_tensor_set_data(*t, data, size);
}

static int go_tensor_delete(int fam, void *t)
{
	return fam == 0 ? vaccel_onnx_tensor_delete(t)
			: vaccel_torch_tensor_delete(t);
}

static void go_tensor_get(int fam, void *t, void **data, size_t *size,
			  int *nr_dims, int64_t **dims, int *type)
{
	if (fam == 0) {
		struct vaccel_onnx_tensor *o = t;
		*data = o->data, *size = o->size, *nr_dims = o->nr_dims;
		*dims = o->dims, *type = o->data_type;
	} else {
		struct vaccel_torch_tensor *o = t;
		*data = o->data, *size = o->size, *nr_dims = (int)o->nr_dims;
		*dims = o->dims, *type = o->data_type;
	}
}

static int go_model_run(int fam, struct vaccel_session *s,
			struct vaccel_resource *r, void **ins, int nr_in,
			void **outs, int nr_out)
{
	if (fam == 0)
		return vaccel_onnx_model_run(
			s, r, (struct vaccel_onnx_tensor *const *)ins, nr_in,
			(struct vaccel_onnx_tensor **)outs, nr_out);
	return vaccel_torch_model_run(
		s, r, NULL, (struct vaccel_torch_tensor *const *)ins, nr_in,
		(struct vaccel_torch_tensor **)outs, nr_out);
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

type family struct {
	id    C.int
	name  string
	codes map[DType]int
	run   string
}

var (
	onnxFamily  = family{0, "onnx", onnxCodes, "vaccel_onnx_model_run"}
	torchFamily = family{1, "torch", torchCodes, "vaccel_torch_model_run"}
)

// cTensors is a C array of C tensors (inputs, or outputs the plugin fills).
type cTensors struct {
	fam  family
	arr  *unsafe.Pointer
	n    int
	data []unsafe.Pointer // C copies of input data
}

func newCTensors(fam family, n int) *cTensors {
	t := &cTensors{fam: fam, n: n}
	if n > 0 {
		t.arr = (*unsafe.Pointer)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof(unsafe.Pointer(nil)))))
	}
	return t
}

func (t *cTensors) items() []unsafe.Pointer {
	if t.arr == nil {
		return nil
	}
	return unsafe.Slice(t.arr, t.n)
}

// set makes tensor i from in (its data copied into C memory).
func (t *cTensors) set(i int, in Tensor) error {
	if err := in.check(t.fam.codes, t.fam.name); err != nil {
		return err
	}
	shape := in.Shape
	if len(shape) == 0 {
		shape = []int64{1}
	}
	data := C.CBytes(in.Data)
	t.data = append(t.data, data)
	return call("vaccel_"+t.fam.name+"_tensor_new", func() C.int {
		return C.go_tensor_new(t.fam.id, &t.items()[i], C.int(len(shape)),
			(*C.int64_t)(&shape[0]), C.int(t.fam.codes[in.DType]), data,
			C.size_t(len(in.Data)))
	})
}

// get copies tensor i into Go.
func (t *cTensors) get(i int) (Tensor, error) {
	var data unsafe.Pointer
	var size C.size_t
	var nr C.int
	var dims *C.int64_t
	var typ C.int
	p := t.items()[i]
	if p == nil {
		return Tensor{}, newError(EBACKEND, t.fam.run, fmt.Sprintf("output %d missing", i))
	}
	C.go_tensor_get(t.fam.id, p, &data, &size, &nr, &dims, &typ)
	out := Tensor{DType: -1}
	for d, code := range t.fam.codes {
		if code == int(typ) {
			out.DType = d
		}
	}
	if out.DType < 0 {
		return Tensor{}, newError(EBACKEND, t.fam.run, fmt.Sprintf("output %d: unknown type %d", i, int(typ)))
	}
	if nr > 0 && dims != nil {
		out.Shape = append([]int64(nil), unsafe.Slice((*int64)(unsafe.Pointer(dims)), int(nr))...)
	}
	out.Data = C.GoBytes(data, C.int(size))
	return out, nil
}

func (t *cTensors) free() {
	for _, p := range t.items() {
		if p != nil {
			C.go_tensor_delete(t.fam.id, p)
		}
	}
	freeAll(t.data)
	C.free(unsafe.Pointer(t.arr))
}

// runModel runs a model of family fam on the session.
func (s *Session) runModel(fam family, res *Resource, inputs []Tensor, nrOutputs int) ([]Tensor, error) {
	if nrOutputs < 0 {
		return nil, newError(EINVAL, fam.run, "negative output count")
	}
	ins, outs := newCTensors(fam, len(inputs)), newCTensors(fam, nrOutputs)
	defer ins.free()
	defer outs.free()
	for i, in := range inputs {
		if err := ins.set(i, in); err != nil {
			return nil, err
		}
	}
	err := s.withResource(fam.run, res, func(c *C.struct_vaccel_session, rc *C.struct_vaccel_resource) C.int {
		return C.go_model_run(fam.id, c, rc, ins.arr, C.int(len(inputs)), outs.arr, C.int(nrOutputs))
	})
	if err != nil {
		return nil, err
	}
	result := make([]Tensor, nrOutputs)
	for i := range result {
		if result[i], err = outs.get(i); err != nil {
			return nil, err
		}
	}
	return result, nil
}

// OnnxLoad loads the ONNX network of a registered MODEL resource; OnnxRun
// needs it loaded (the onnx plugin refuses a run before, with EINVAL).
func (s *Session) OnnxLoad(res *Resource) error {
	return s.resourceOp(resOnnxLoad, "vaccel_onnx_model_load", res)
}

// OnnxUnload unloads it (unregistering does it too).
func (s *Session) OnnxUnload(res *Resource) error {
	return s.resourceOp(resOnnxUnload, "vaccel_onnx_model_unload", res)
}

// OnnxRun runs a loaded ONNX model: inputs in the network's order,
// nrOutputs outputs copied into Go.
func (s *Session) OnnxRun(res *Resource, inputs []Tensor, nrOutputs int) ([]Tensor, error) {
	return s.runModel(onnxFamily, res, inputs, nrOutputs)
}

// TorchLoad loads the TorchScript model of a registered MODEL resource
// (optional: a run loads on demand).
func (s *Session) TorchLoad(res *Resource) error {
	return s.resourceOp(resTorchLoad, "vaccel_torch_model_load", res)
}

// TorchRun runs a TorchScript model's forward().
func (s *Session) TorchRun(res *Resource, inputs []Tensor, nrOutputs int) ([]Tensor, error) {
	return s.runModel(torchFamily, res, inputs, nrOutputs)
}
