import { onnx } from '@/core/graph/onnx-pb/onnx-pb.js';
import { describe, expect, it } from 'vitest';
import { ANALYTIC_DTYPES, bytesOfOnnx, DTYPE_TABLE, dtypeOfOnnx } from './lists.js';
import { AnalyticDtypeSchema } from './api.js';
import { ProviderSchema, VariantSchema } from './schemas.js';
import { PROVIDERS, VARIANTS } from './lists.js';

const T = onnx.TensorProto.DataType;

describe('the dtype table', () => {
  it("each name's ONNX element type is onnx.proto's", () => {
    const expected: Record<keyof typeof DTYPE_TABLE, number> = {
      fp32: T.FLOAT,
      fp16: T.FLOAT16,
      bf16: T.BFLOAT16,
      fp8: T.FLOAT8E4M3FN,
      int8: T.INT8,
      int4: T.INT4,
      int32: T.INT32,
      int64: T.INT64,
      fp64: T.DOUBLE,
      uint8: T.UINT8,
      uint16: T.UINT16,
      int16: T.INT16,
      uint32: T.UINT32,
      uint64: T.UINT64,
      bool: T.BOOL,
    };
    for (const [name, d] of Object.entries(DTYPE_TABLE)) expect([name, d.onnx]).toEqual([name, expected[name as keyof typeof DTYPE_TABLE]]);
  });
  it('reads back: ONNX number to name and bytes (4 for a type it does not know)', () => {
    expect(dtypeOfOnnx(T.FLOAT16)).toBe('fp16');
    expect(bytesOfOnnx(T.INT64)).toBe(8);
    expect(bytesOfOnnx(T.COMPLEX128)).toBe(4);
  });
  it("the schemas' enums are the lists", () => {
    expect(VariantSchema.options).toEqual([...VARIANTS]);
    expect(ProviderSchema.options).toEqual([...PROVIDERS]);
    expect(AnalyticDtypeSchema.options).toEqual([...ANALYTIC_DTYPES]);
  });
});
