/* The AVX2 kernels (with FMA and F16C): every function in this file is compiled for those
 * instructions, and called only when the CPU has them. */
#include <stdint.h>
#include <stddef.h>
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>
#include "kernels.h"

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#include "simd_avx2.h"
#define CK_TABLE ck_avx2_table
#include "simd_kernels.h"
#pragma clang attribute pop
