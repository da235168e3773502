/* ck_mse_power_parts_make: the bf16 power table of the MSE kernels in parts for vector registers. */
#include <math.h>
#include <string.h>
#include "kernels.h"

/* The power of magnitude bits (E << 7 | m) as the AVX-512 path computes it from the parts. */
static float power_from_parts(const ck_mse_power_parts *parts, int e, int m) {
    int u = e + 1;
    float product = ck_bf16_value(ck_bf16_nearest(parts->exponent_powers[u & 31] * parts->mantissa_powers[m]));
    return ldexpf(product, (int)parts->scale_exponents[u >> 5]);
}

int ck_mse_power_parts_make(double p, const float *table, ck_mse_power_parts *parts) {
    double scaled = 32 * p;
    if (!(p > 0) || scaled != floor(scaled) || scaled >= 124) return 0;
    memset(parts, 0, sizeof *parts);
    for (int j = 0; j < 32; j++) parts->exponent_powers[j] = (float)pow(2.0, p * j);
    for (int m = 0; m < 128; m++) parts->mantissa_powers[m] = (float)pow(1.0 + m / 128.0, p);
    for (int c = 0; c <= 8; c++) parts->scale_exponents[c] = (float)(scaled * (c - 4));
    /* From the largest exponent down, as far as every mantissa agrees with the table (NaN
     * patterns, which no difference of finite values gives, left out). */
    int e = 255;
    for (; e >= 1; e--) {
        int agrees = 1;
        for (int m = 0; m < 128 && agrees; m++) {
            if (e == 255 && m != 0) continue;
            agrees = power_from_parts(parts, e, m) == table[e << 7 | m];
        }
        if (!agrees) break;
    }
    parts->smallest_exponent = e + 1;
    /* Smaller magnitudes go to the table one vector at a time: worth it only when they are rare. */
    return parts->smallest_exponent <= 127;
}
