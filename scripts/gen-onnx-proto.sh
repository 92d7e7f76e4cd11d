#!/usr/bin/env bash
# Regenerates src/core/graph/onnx-pb/onnx-pb.{js,d.ts} (protobufjs static code, the protobufjs
# runtime is a dependency) from onnx-pb/onnx.proto, copied from onnx/onnx's release tag v1.22.0
# (onnx/onnx.proto). Only encode/decode are generated: no verify, no fromObject/toObject.
set -euo pipefail
cd "$(dirname "$0")/../src/core/graph/onnx-pb"
npx -y -p protobufjs-cli@2.7.1 -p protobufjs@8.8.1 pbjs -t static-module -w es6 --no-verify --no-convert --no-delimited --no-service -o onnx-pb.js onnx.proto
npx -y -p protobufjs-cli@2.7.1 -p protobufjs@8.8.1 pbts -o onnx-pb.d.ts onnx-pb.js
# ESM project: type-only imports in the declarations.
sed -i -e 's#^import \* as \$protobuf from "protobufjs";#import type * as $protobuf from "protobufjs";#' -e 's#^import Long = require("long");#import type Long from "long";#' onnx-pb.d.ts
