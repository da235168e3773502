#include <cblas.h>
#include <stddef.h>

/* LAPACK's Cholesky routines, which libopenblas exports with the Fortran calling convention
   (arguments by address, then the hidden length of each character argument). */
void spotrf_(const char *uplo, const blasint *n, float *a, const blasint *lda, blasint *info, size_t uplo_length);
void spotri_(const char *uplo, const blasint *n, float *a, const blasint *lda, blasint *info, size_t uplo_length);

/* `spotrf_`: the Cholesky factor of the symmetric positive-definite column-major n x n matrix at
   `a`, in the triangle `uplo` ('L' or 'U'); returns LAPACK's info (0, or the order of the first
   leading minor that is not positive definite). */
static inline int lapack_spotrf(char uplo, int n, float *a, int lda) {
    blasint order = n, leading = lda, info = 0;
    spotrf_(&uplo, &order, a, &leading, &info, 1);
    return (int)info;
}

/* `spotri_`: the inverse of the matrix whose Cholesky factor `spotrf_` left at `a`, in the same
   triangle; returns LAPACK's info. */
static inline int lapack_spotri(char uplo, int n, float *a, int lda) {
    blasint order = n, leading = lda, info = 0;
    spotri_(&uplo, &order, a, &leading, &info, 1);
    return (int)info;
}
