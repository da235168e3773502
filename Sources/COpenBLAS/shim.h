#include <cblas.h>
#include <stddef.h>

/* LAPACK's Cholesky routines, which libopenblas exports with the Fortran calling convention
   (arguments by address, then the hidden length of each character argument). */
void spotrf_(const char *uplo, const blasint *n, float *a, const blasint *lda, blasint *info, size_t uplo_length);
void strtri_(const char *uplo, const char *diag, const blasint *n, float *a, const blasint *lda, blasint *info,
             size_t uplo_length, size_t diag_length);

/* `spotrf_`: the Cholesky factor of the symmetric positive-definite column-major n x n matrix at
   `a`, in the triangle `uplo` ('L' or 'U'); returns LAPACK's info (0, or the order of the first
   leading minor that is not positive definite). */
static inline int lapack_spotrf(char uplo, int n, float *a, int lda) {
    blasint order = n, leading = lda, info = 0;
    spotrf_(&uplo, &order, a, &leading, &info, 1);
    return (int)info;
}

/* `strtri_`: the inverse, in place, of the column-major triangular n x n matrix with a non-unit
   diagonal in the triangle `uplo` of `a` ('L' or 'U'; the other triangle is not touched); returns
   LAPACK's info (0, or the index of a zero diagonal element). */
static inline int lapack_strtri(char uplo, int n, float *a, int lda) {
    blasint order = n, leading = lda, info = 0;
    char diag = 'N';
    strtri_(&uplo, &diag, &order, a, &leading, &info, 1, 1);
    return (int)info;
}
