/*
 * Definitions shared by every bbopt kernel.
 *
 * A kernel is a C function `int bbopt_<stem>(sizes..., const inputs...,
 * outputs...)` over caller-owned contiguous arrays. It returns BBOPT_OK (0)
 * or one of the negative codes below; the Cython bindings turn a negative
 * code into a ValueError whose message comes from bbopt_strerror().
 */
#ifndef BBOPT_COMMON_H
#define BBOPT_COMMON_H

#include <stddef.h>
#include <stdint.h> /* on glibc this also defines __GLIBC__, tested below */

/* Return codes of the kernels. Only append: the values are part of the
 * contract between csrc/ and bbopt/_kernels/_common.pxd. */
typedef enum {
    BBOPT_OK = 0,
    BBOPT_ERR_NAN = -1,    /* an input that must be NaN-free holds a NaN */
    BBOPT_ERR_SIZE = -2,   /* a count or dimension is out of range */
    BBOPT_ERR_DOMAIN = -3, /* an input value is outside its domain
                              (e.g. a non-positive scale, low > high) */
    BBOPT_ERR_NOT_PD = -4  /* a matrix is not (numerically) positive definite */
} bbopt_status;

/* A short, static, human-readable description of a return code. */
static inline const char *bbopt_strerror(int code) {
    switch (code) {
    case BBOPT_OK:
        return "no error";
    case BBOPT_ERR_NAN:
        return "an input contains NaN";
    case BBOPT_ERR_SIZE:
        return "a size is out of range (a negative count or an empty dimension)";
    case BBOPT_ERR_DOMAIN:
        return "an input value is outside its allowed domain";
    case BBOPT_ERR_NOT_PD:
        return "a matrix is not positive definite";
    default:
        return "unknown error code";
    }
}

/* BBOPT_RESTRICT: C99 `restrict`, spelled so that MSVC accepts it too. */
#if defined(_MSC_VER)
#define BBOPT_RESTRICT __restrict
#else
#define BBOPT_RESTRICT restrict
#endif

/* BBOPT_INLINE: a static helper that must be inlined, so that constant
 * arguments (e.g. the number of objectives) specialise its loops. */
#if defined(__GNUC__) || defined(__clang__)
#define BBOPT_INLINE static inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define BBOPT_INLINE static __forceinline
#else
#define BBOPT_INLINE static inline
#endif

/* BBOPT_TARGET_CLONES: put before a hot, vectorisable function to compile
 * it twice, for AVX2 and for the baseline x86-64, the version being chosen
 * at load time. It needs GCC's ifunc support (x86-64 Linux with glibc), so it
 * expands to nothing elsewhere, when the compiler already targets AVX2 (e.g.
 * BBOPT_NATIVE=1 on an AVX2 CPU) and when BBOPT_NO_TARGET_CLONES is defined. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) &&      \
    defined(__linux__) && defined(__GLIBC__) && !defined(__AVX2__) &&         \
    !defined(BBOPT_NO_TARGET_CLONES)
#define BBOPT_TARGET_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define BBOPT_TARGET_CLONES
#endif

#endif /* BBOPT_COMMON_H */
