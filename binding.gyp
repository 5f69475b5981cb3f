# node-gyp build of myelin's native backend addon (build/Release/myelin_native.node).
#
# Sources: the GEMM / thread pool / CPU detection files that native/Makefile builds (listed by
# scripts/build-native.js --sources, which reads the Makefile's SRCS), plus the N-API glue
# (native/src/binding) and the kernels (native/src/kernels).
#
# Flags: -O3 -std=c++17 -fno-math-errno and nothing machine-specific: no -march=native, no
# global -mavx*. The GEMM files pick AVX2 / AVX-512 code at run time (function target
# attributes + cpu_features), so one build runs on any x86-64 CPU. C++ exceptions are on (the
# glue turns them into JavaScript errors); node's defaults turn them off.
{
  "targets": [
    {
      "target_name": "myelin_native",
      "sources": ["<!@(node scripts/build-native.js --sources)"],
      "include_dirs": ["native/src"],
      "defines": ["NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags": ["-fvisibility=hidden"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno", "-fexceptions", "-Wno-unused-parameter"],
      "ldflags": ["-pthread"],
      "libraries": ["-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_OPTIMIZATION_LEVEL": "3",
        "OTHER_CPLUSPLUSFLAGS": ["-fno-math-errno"],
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17", "/O2"] }
      }
    }
  ]
}
