/* The AVX-512 kernels (F, BW, VL, DQ, VNNI; F16C): every function in this file is compiled for
 * those instructions, and called only when the CPU has them. */
#include <stdint.h>
#include <stddef.h>
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>
#include "kernels.h"

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,f16c,fma,avx2"))), apply_to = function)
#include "simd_avx512.h"
#define CK_TABLE ck_avx512_table
#include "simd_kernels.h"
#pragma clang attribute pop
