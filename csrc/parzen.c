/*
 * Parzen-estimator kernels (see parzen.h for the notation).
 *
 * The mixture kernels loop over blocks of BLOCK_COMP components (outer) and,
 * for each candidate, over the dimensions, with the innermost loop running
 * over the components of the block: the component arrays are stored
 * dimension-major, so that loop is contiguous and branch-free and the
 * compiler vectorises it without reassociating a reduction. A block of
 * components (n_dims * BLOCK_COMP * 16 bytes) stays in cache while the
 * candidates of a block of BLOCK_X candidates reuse it. The log-sum-exp over
 * components is streamed: each candidate keeps a running maximum and a
 * running sum rescaled to it.
 */
#include "parzen.h"

#include <math.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__)
/* The clamp in exp_nonpos and the selects of the categorical kernel are
 * selects on floating-point comparisons, which GCC if-converts (and so
 * vectorises) only when it may assume that floating-point operations do not
 * trap. Nothing here reads the floating-point exception flags. */
#pragma GCC optimize("no-trapping-math")
#endif

#define BLOCK_COMP BBOPT_PARZEN_BLOCK
#define BLOCK_X 32
/* Pruning in bbopt_parzen_log_pdf: a block of components is checked every
 * PRUNE_EVERY dimensions and skipped when its terms are provably PRUNE_NATS
 * below the running maximum of the candidate (relative error of the density
 * at most n_comp * exp(-PRUNE_NATS) ~ n_comp * 1.6e-28). */
#define PRUNE_EVERY 8
/* Candidates are transposed for the box bounds up to this many dimensions (a
 * stack buffer of BOX_TRANSPOSED_DIMS * BLOCK_X doubles); above, read in place. */
#define BOX_TRANSPOSED_DIMS 128
#define BOX_MAX_REFS BBOPT_PARZEN_MAX_REFS
#define PRUNE_NATS 64.0

#define SQRT1_2 0.70710678118654752440   /* 1 / sqrt(2) */
#define SQRT_PI 1.77245385090551602730   /* sqrt(pi) */
#define HALF_LOG_2PI 0.91893853320467274178 /* log(2 pi) / 2 */
#define LOG_HALF (-0.69314718055994530942)  /* log(1 / 2) */

/* Scaled complementary error function erfcx(t) = exp(t^2) erfc(t), t >= 0.
 * Below 26, erfc(t) is still a normal double and exp(t^2) does not
 * overflow; above, the asymptotic series
 *   erfcx(t) = 1 / (t sqrt(pi)) * sum_k (-1)^k (2k - 1)!! / (2 t^2)^k
 * truncated after k = 7 has a relative error below 1e-17. */
BBOPT_INLINE double erfcx_pos(double t) {
    if (t < 26.0) {
        return exp(t * t) * erfc(t);
    }
    const double u = 1.0 / (2.0 * t * t);
    const double s =
        1.0 +
        u * (-1.0 +
             u * (3.0 + u * (-15.0 + u * (105.0 + u * (-945.0 + u * (10395.0 + u * -135135.0))))));
    return s / (t * SQRT_PI);
}

/* log(Q(a) - Q(b)) for 0 <= a < b <= inf, Q(z) = 1 - Phi(z) the upper tail,
 * the interval not narrow (see log_ndtr_diff_1). With t = z / sqrt(2),
 * Q(z) = erfcx(t) exp(-t^2) / 2, so
 *   log(Q(a) - Q(b)) = log Q(a) + log(1 - exp(log(erfcx(tb) / erfcx(ta))
 *                                             - (tb - ta)(tb + ta)))
 * which neither underflows nor cancels far in the tail. */
BBOPT_INLINE double log_upper_diff(double a, double b) {
    const double ta = a * SQRT1_2;
    const double tb = b * SQRT1_2;
    if (tb < 3.0) {
        /* Q(a) >= Q(b) > 1e-5 and Q(b) / Q(a) < 1 - 1e-3: direct and exact
         * to a few ulps. */
        return log(0.5 * (erfc(ta) - erfc(tb)));
    }
    const double ea = erfcx_pos(ta);
    const double log_qa = LOG_HALF + log(ea) - ta * ta;
    if (isinf(b)) {
        return log_qa;
    }
    const double log_ratio = log(erfcx_pos(tb) / ea) - (tb - ta) * (tb + ta);
    return log_qa + log(-expm1(log_ratio));
}

/* log(Phi(b) - Phi(a)) for a <= b, neither NaN. */
BBOPT_INLINE double log_ndtr_diff_1(double a, double b) {
    if (a == b) {
        return -INFINITY;
    }
    const double w = b - a;
    const double m = 0.5 * a + 0.5 * b;
    const double wm = w * (1.0 + fabs(m));
    if (wm < 1e-2) {
        /* Narrow interval: integrate the Taylor expansion of the normal
         * density phi around the midpoint m,
         *   int phi = phi(m) w (1 + (m^2 - 1) w^2 / 24
         *                        + (m^4 - 6 m^2 + 3) w^4 / 1920 + O((w (1 + |m|))^6)),
         * whose neglected terms are below 1e-17 relatively. */
        const double m2 = m * m;
        const double w2 = w * w;
        const double corr = (m2 - 1.0) * w2 / 24.0 + (m2 * m2 - 6.0 * m2 + 3.0) * w2 * w2 / 1920.0;
        return -0.5 * m2 - HALF_LOG_2PI + log(w) + log1p(corr);
    }
    if (a >= 0.0) {
        return log_upper_diff(a, b);
    }
    if (b <= 0.0) {
        return log_upper_diff(-b, -a);
    }
    /* a < 0 < b: the mass is at least that of a non-narrow interval around 0,
     * and erf(b / sqrt 2) + erf(-a / sqrt 2) adds two non-negative terms. */
    return log(0.5 * (erf(b * SQRT1_2) + erf(-a * SQRT1_2)));
}

int bbopt_log_ndtr_diff(intptr_t n, const double *a, const double *b, double *out) {
    if (n < 0) {
        return BBOPT_ERR_SIZE;
    }
    for (intptr_t i = 0; i < n; ++i) {
        if (isnan(a[i]) || isnan(b[i])) {
            return BBOPT_ERR_NAN;
        }
        if (a[i] > b[i]) {
            return BBOPT_ERR_DOMAIN;
        }
    }
    for (intptr_t i = 0; i < n; ++i) {
        out[i] = log_ndtr_diff_1(a[i], b[i]);
    }
    return BBOPT_OK;
}

int bbopt_parzen_prepare(intptr_t n_dims, intptr_t n_comp, intptr_t ld, const double *mu,
                         const double *sigma, const double *low, const double *high,
                         const double *step, double *inv_sigma, double *log_norm,
                         double *comp_log_norm) {
    if (n_dims < 0 || n_comp < 0 || ld < n_comp) {
        return BBOPT_ERR_SIZE;
    }
    for (intptr_t j = 0; j < n_dims; ++j) {
        if (isnan(low[j]) || isnan(high[j]) || isnan(step[j])) {
            return BBOPT_ERR_NAN;
        }
        if (!(low[j] <= high[j]) || !(step[j] >= 0.0)) {
            return BBOPT_ERR_DOMAIN;
        }
        for (intptr_t k = 0; k < n_comp; ++k) {
            const double s = sigma[j * ld + k];
            if (isnan(mu[j * ld + k]) || isnan(s)) {
                return BBOPT_ERR_NAN;
            }
            if (!(s > 0.0)) {
                return BBOPT_ERR_DOMAIN;
            }
        }
    }
    for (intptr_t k = 0; k < n_comp; ++k) {
        comp_log_norm[k] = 0.0;
    }
    for (intptr_t j = 0; j < n_dims; ++j) {
        const double half = 0.5 * step[j];
        const double lo = low[j] - half;
        const double hi = high[j] + half;
        const double *mu_j = mu + j * ld;
        const double *sigma_j = sigma + j * ld;
        double *inv_j = inv_sigma + j * ld;
        double *norm_j = log_norm + j * ld;
        for (intptr_t k = 0; k < n_comp; ++k) {
            const double s = sigma_j[k];
            const double log_z = log_ndtr_diff_1((lo - mu_j[k]) / s, (hi - mu_j[k]) / s);
            inv_j[k] = 1.0 / s;
            norm_j[k] = step[j] > 0.0 ? -log_z : -log(s) - HALF_LOG_2PI - log_z;
            comp_log_norm[k] += norm_j[k];
        }
    }
    return BBOPT_OK;
}

/* Log-probabilities of the categorical kernel of one dimension with n
 * choices and spread a: own choice, another choice, uniform component. */
typedef struct {
    double match, other, uniform;
} cat_logp;

BBOPT_INLINE cat_logp categorical_log_probs(double n, double a) {
    const double log_denom = log1p(n * a);
    cat_logp p;
    p.match = log1p(a) - log_denom;
    p.other = log(a) - log_denom; /* -inf for a == 0 */
    p.uniform = -log(n);
    return p;
}

/* Categorical dimensions whose log-probabilities bbopt_parzen_log_pdf computes once. */
#define CAT_CACHE 64

static int check_categorical(intptr_t n_cat, const double *n_choices, const double *spread) {
    for (intptr_t c = 0; c < n_cat; ++c) {
        if (isnan(n_choices[c]) || isnan(spread[c])) {
            return BBOPT_ERR_NAN;
        }
        if (!(n_choices[c] >= 1.0) || !(spread[c] >= 0.0) || isinf(spread[c])) {
            return BBOPT_ERR_DOMAIN;
        }
    }
    return BBOPT_OK;
}

static int check_steps(intptr_t n_dims, const double *step) {
    for (intptr_t j = 0; j < n_dims; ++j) {
        if (isnan(step[j])) {
            return BBOPT_ERR_NAN;
        }
        if (!(step[j] >= 0.0) || isinf(step[j])) {
            return BBOPT_ERR_DOMAIN;
        }
    }
    return BBOPT_OK;
}

static int has_nan(intptr_t n, const double *v) {
    int found = 0;
    for (intptr_t i = 0; i < n; ++i) {
        found |= isnan(v[i]);
    }
    return found;
}

/* Add the unnormalised log-kernel of numeric dimension j at xv to the
 * accumulators of a block of nk components: -z^2/2 goes into sq (as z^2),
 * the discretised log-mass into lg. inv points to the inverse bandwidths of
 * the block (inv[k]), or with shared != 0 to the one of the dimension. */
BBOPT_INLINE void add_numeric(intptr_t nk, double xv, double step, const double *BBOPT_RESTRICT mu,
                              const double *BBOPT_RESTRICT inv, int shared,
                              double *BBOPT_RESTRICT sq, double *BBOPT_RESTRICT lg) {
    const double lo = xv - 0.5 * step;
    const double hi = xv + 0.5 * step;
    if (step > 0.0 && shared) {
        const double iv = inv[0];
        for (intptr_t k = 0; k < nk; ++k) {
            lg[k] += log_ndtr_diff_1((lo - mu[k]) * iv, (hi - mu[k]) * iv);
        }
    } else if (step > 0.0) {
        for (intptr_t k = 0; k < nk; ++k) {
            lg[k] += log_ndtr_diff_1((lo - mu[k]) * inv[k], (hi - mu[k]) * inv[k]);
        }
    } else if (shared) {
        const double iv = inv[0];
        for (intptr_t k = 0; k < nk; ++k) {
            const double z = (xv - mu[k]) * iv;
            sq[k] += z * z;
        }
    } else {
        for (intptr_t k = 0; k < nk; ++k) {
            const double z = (xv - mu[k]) * inv[k];
            sq[k] += z * z;
        }
    }
}

/* sq[k] += sum over 4 continuous dimensions of z^2 (rows of mu ld apart;
 * inv as in add_numeric, its rows ld apart, or 4 consecutive shared values). */
BBOPT_INLINE void add_continuous4(intptr_t nk, const double *xv, const double *BBOPT_RESTRICT mu,
                                  const double *BBOPT_RESTRICT inv, int shared, intptr_t ld,
                                  double *BBOPT_RESTRICT sq) {
    const double x0 = xv[0], x1 = xv[1], x2 = xv[2], x3 = xv[3];
    const double *mu1 = mu + ld, *mu2 = mu + 2 * ld, *mu3 = mu + 3 * ld;
    if (shared) {
        const double i0 = inv[0], i1 = inv[1], i2 = inv[2], i3 = inv[3];
        for (intptr_t k = 0; k < nk; ++k) {
            const double z0 = (x0 - mu[k]) * i0;
            const double z1 = (x1 - mu1[k]) * i1;
            const double z2 = (x2 - mu2[k]) * i2;
            const double z3 = (x3 - mu3[k]) * i3;
            sq[k] += (z0 * z0 + z1 * z1) + (z2 * z2 + z3 * z3);
        }
        return;
    }
    const double *inv1 = inv + ld, *inv2 = inv + 2 * ld, *inv3 = inv + 3 * ld;
    for (intptr_t k = 0; k < nk; ++k) {
        const double z0 = (x0 - mu[k]) * inv[k];
        const double z1 = (x1 - mu1[k]) * inv1[k];
        const double z2 = (x2 - mu2[k]) * inv2[k];
        const double z3 = (x3 - mu3[k]) * inv3[k];
        sq[k] += (z0 * z0 + z1 * z1) + (z2 * z2 + z3 * z3);
    }
}

BBOPT_INLINE void add_categorical(intptr_t nk, double xv, cat_logp p,
                                  const double *BBOPT_RESTRICT choice, double *BBOPT_RESTRICT lg) {
    for (intptr_t k = 0; k < nk; ++k) {
        const double ch = choice[k];
        lg[k] += ch == xv ? p.match : (ch < 0.0 ? p.uniform : p.other);
    }
}

/* Upper bound of the terms of a block: max over k of lg[k] - sq[k] / 2. */
BBOPT_INLINE double block_bound(intptr_t nk, const double *BBOPT_RESTRICT lg,
                                const double *BBOPT_RESTRICT sq) {
    double b0 = -INFINITY, b1 = -INFINITY;
    intptr_t k = 0;
    for (; k + 2 <= nk; k += 2) {
        const double t0 = lg[k] - 0.5 * sq[k];
        const double t1 = lg[k + 1] - 0.5 * sq[k + 1];
        b0 = t0 > b0 ? t0 : b0;
        b1 = t1 > b1 ? t1 : b1;
    }
    for (; k < nk; ++k) {
        const double t = lg[k] - 0.5 * sq[k];
        b0 = t > b0 ? t : b0;
    }
    return b1 > b0 ? b1 : b0;
}

/* max(v[0..n)), -inf if n == 0, in four independent lanes (vectorisable). */
BBOPT_INLINE double max_of(intptr_t n, const double *BBOPT_RESTRICT v) {
    double m0 = -INFINITY, m1 = -INFINITY, m2 = -INFINITY, m3 = -INFINITY;
    intptr_t k = 0;
    for (; k + 4 <= n; k += 4) {
        m0 = v[k] > m0 ? v[k] : m0;
        m1 = v[k + 1] > m1 ? v[k + 1] : m1;
        m2 = v[k + 2] > m2 ? v[k + 2] : m2;
        m3 = v[k + 3] > m3 ? v[k + 3] : m3;
    }
    for (; k < n; ++k) {
        m0 = v[k] > m0 ? v[k] : m0;
    }
    m0 = m1 > m0 ? m1 : m0;
    m2 = m3 > m2 ? m3 : m2;
    return m2 > m0 ? m2 : m0;
}

/* Distance from v to the interval [lo, hi], 0 inside (branch-free). */
BBOPT_INLINE double gap_outside(double v, double lo, double hi) {
    const double below = lo - v, above = v - hi;
    const double gap = below > above ? below : above;
    return gap > 0.0 ? gap : 0.0;
}

/* Squared scaled distances from the ni candidates to a block's box
 * (n_box_dims dimensions dim, bounds lo and hi): sq[ii]. A dimension with a
 * step counts its distance less half a step: the normal mass of a step-wide
 * interval at a scaled distance a from the mean is at most exp(-a^2 / 2).
 * With xt != NULL the candidates are read from xt, transposed
 * (dimension-major, BLOCK_X apart) and already multiplied by inv, so that the
 * loop over candidates is contiguous and branch-free and vectorises;
 * otherwise from the rows of x. */
BBOPT_INLINE void box_distances(intptr_t ni, const double *xt, const double *x, intptr_t n_dims,
                                intptr_t n_box_dims, const intptr_t *dim, const double *lo,
                                const double *hi, const double *inv, const double *step,
                                double *BBOPT_RESTRICT sq) {
    for (intptr_t ii = 0; ii < ni; ++ii) {
        sq[ii] = 0.0;
    }
    for (intptr_t t = 0; t < n_box_dims; ++t) {
        const intptr_t j = dim[t];
        const double half = 0.5 * step[j];
        if (xt != NULL) {
            const double l = (lo[t] - half) * inv[j], h = (hi[t] + half) * inv[j];
            const double *xj = xt + j * BLOCK_X;
            for (intptr_t ii = 0; ii < ni; ++ii) {
                const double gap = gap_outside(xj[ii], l, h);
                sq[ii] += gap * gap;
            }
        } else {
            const double l = lo[t] - half, h = hi[t] + half, scale = inv[j];
            for (intptr_t ii = 0; ii < ni; ++ii) {
                const double gap = gap_outside(x[ii * n_dims + j], l, h) * scale;
                sq[ii] += gap * gap;
            }
        }
    }
}

/* exp(x) for x <= 0, without a call: clamped to x >= -708 (below that the
 * result, under 1e-307, is negligible in the sums it enters), range-reduced
 * as x = n log 2 + r with |r| <= log(2) / 2 (Cody-Waite, n by the
 * round-to-nearest of adding 1.5 * 2^52), e^r by its Taylor polynomial of
 * degree 13 (truncation error below 1e-17 relatively) and 2^n built in the
 * exponent bits. Straight-line code, so loops calling it vectorise; relative
 * error within a few ulps. */
BBOPT_INLINE double exp_nonpos(double x) {
    const double shift = 6755399441055744.0; /* 1.5 * 2^52 */
    const double ln2_hi = 6.93147180369123816490e-01;
    const double ln2_lo = 1.90821492927058770002e-10;
    x = x < -708.0 ? -708.0 : x;
    const double t = x * 1.44269504088896340736 + shift;
    const double n = t - shift;
    const double r = (x - n * ln2_hi) - n * ln2_lo;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t bits;
    memcpy(&bits, &t, sizeof bits);
    bits = (bits + 1023u) << 52; /* the low bits of t hold n; n + 1023 in [1, 1023] */
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* Merge the terms t[0..nk) (overwritten) into the running log-sum-exp
 * (*m, *s): the total is *m + log(*s). */
BBOPT_INLINE void lse_merge(intptr_t nk, double *BBOPT_RESTRICT t, double *m, double *s) {
    const double bm = max_of(nk, t);
    if (bm == -INFINITY) {
        return;
    }
    intptr_t k;
    for (k = 0; k < nk; ++k) {
        t[k] = exp_nonpos(t[k] - bm);
    }
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (k = 0; k + 4 <= nk; k += 4) {
        s0 += t[k];
        s1 += t[k + 1];
        s2 += t[k + 2];
        s3 += t[k + 3];
    }
    for (; k < nk; ++k) {
        s0 += t[k];
    }
    const double bs = (s0 + s1) + (s2 + s3);
    if (bm > *m) {
        *s = *s * exp(*m - bm) + bs;
        *m = bm;
    } else {
        *s += bs * exp(bm - *m);
    }
}

BBOPT_TARGET_CLONES
int bbopt_parzen_log_pdf(intptr_t n_x, intptr_t n_comp, intptr_t ld, intptr_t n_dims,
                         intptr_t n_cat, const double *x, const double *x_cat, const double *mu,
                         const double *inv_sigma, int shared, const double *step,
                         const double *choice, const double *n_choices, const double *spread,
                         const double *log_const, const double *log_floor, intptr_t n_boxed,
                         intptr_t n_box_dims, const intptr_t *box_dim, const double *box_lo,
                         const double *box_hi, const double *box_radius, intptr_t n_refs,
                         const double *refs, const intptr_t *box_ref, double *out) {
    if (n_x < 0 || n_comp < 0 || n_dims < 0 || n_cat < 0 || ld < n_comp || n_boxed < 0 ||
        n_box_dims < 0 || n_boxed * BLOCK_COMP > n_comp || (n_boxed > 0 && !shared) ||
        n_refs < 0 || n_refs > BOX_MAX_REFS || (n_boxed > 0 && n_refs == 0)) {
        return BBOPT_ERR_SIZE;
    }
    for (intptr_t t = 0; t < n_boxed * n_box_dims; ++t) {
        if (box_dim[t] < 0 || box_dim[t] >= n_dims) {
            return BBOPT_ERR_DOMAIN;
        }
    }
    for (intptr_t b = 0; b < n_boxed; ++b) {
        if (box_ref[b] < 0 || box_ref[b] >= n_refs) {
            return BBOPT_ERR_DOMAIN;
        }
    }
    int code = check_steps(n_dims, step);
    if (code == BBOPT_OK) {
        code = check_categorical(n_cat, n_choices, spread);
    }
    if (code != BBOPT_OK) {
        return code;
    }
    if (has_nan(n_x * n_dims, x) || has_nan(n_x * n_cat, x_cat) ||
        (log_floor != NULL && has_nan(n_x, log_floor)) ||
        has_nan(n_boxed * n_box_dims, box_lo) || has_nan(n_boxed * n_box_dims, box_hi) ||
        has_nan(2 * n_boxed, box_radius) || (n_boxed > 0 && has_nan(n_refs * n_dims, refs))) {
        return BBOPT_ERR_NAN;
    }
    /* The categorical kernels' log-probabilities depend on the dimension only: computed
     * once here (for the first CAT_CACHE dimensions; further ones in the loop). */
    cat_logp cat_p[CAT_CACHE];
    for (intptr_t c = 0; c < n_cat && c < CAT_CACHE; ++c) {
        cat_p[c] = categorical_log_probs(n_choices[c], spread[c]);
    }
    double sq[BLOCK_COMP];
    double lg[BLOCK_COMP];
    double run_max[BLOCK_X];
    double run_sum[BLOCK_X];
    double box_sq[BLOCK_X];
    double radius[BOX_MAX_REFS * BLOCK_X]; /* scaled distance of each candidate to each ref */
    /* For the boxes, up to BOX_TRANSPOSED_DIMS dimensions: the candidates of a block,
     * scaled and transposed (see box_distances). */
    const int transpose = n_boxed > 0 && n_dims <= BOX_TRANSPOSED_DIMS;
    double xt[BOX_TRANSPOSED_DIMS * BLOCK_X];
    for (intptr_t i0 = 0; i0 < n_x; i0 += BLOCK_X) {
        const intptr_t ni = n_x - i0 < BLOCK_X ? n_x - i0 : BLOCK_X;
        for (intptr_t ii = 0; ii < ni; ++ii) {
            run_max[ii] = -INFINITY;
            run_sum[ii] = 0.0;
        }
        for (intptr_t j = 0; transpose && j < n_dims; ++j) {
            for (intptr_t ii = 0; ii < ni; ++ii) {
                xt[j * BLOCK_X + ii] = x[(i0 + ii) * n_dims + j] * inv_sigma[j];
            }
        }
        for (intptr_t r = 0; n_boxed > 0 && r < n_refs; ++r) {
            for (intptr_t ii = 0; ii < ni; ++ii) {
                double r2 = 0.0;
                for (intptr_t j = 0; j < n_dims; ++j) {
                    const double z = (x[(i0 + ii) * n_dims + j] - refs[r * n_dims + j]) *
                                     (step[j] == 0.0 ? inv_sigma[j] : 0.0);
                    r2 += z * z;
                }
                radius[r * BLOCK_X + ii] = sqrt(r2);
            }
        }
        for (intptr_t k0 = 0; k0 < n_comp; k0 += BLOCK_COMP) {
            const intptr_t nk = n_comp - k0 < BLOCK_COMP ? n_comp - k0 : BLOCK_COMP;
            const intptr_t b = k0 / BLOCK_COMP;
            const int boxed = b < n_boxed;
            double cmax = -INFINITY;
            if (boxed) {
                cmax = max_of(nk, log_const + k0);
                box_distances(ni, transpose ? xt : NULL, x + i0 * n_dims, n_dims, n_box_dims,
                              box_dim + b * n_box_dims, box_lo + b * n_box_dims,
                              box_hi + b * n_box_dims, inv_sigma, step, box_sq);
                /* The shell bound: |distance to the reference - the block's| bounds the
                 * distance. */
                const double r_lo = box_radius[2 * b], r_hi = box_radius[2 * b + 1];
                const double *rx = radius + box_ref[b] * BLOCK_X;
                for (intptr_t ii = 0; ii < ni; ++ii) {
                    const double gap = gap_outside(rx[ii], r_lo, r_hi);
                    box_sq[ii] = gap * gap > box_sq[ii] ? gap * gap : box_sq[ii];
                }
            }
            for (intptr_t ii = 0; ii < ni; ++ii) {
                const double *xi = x + (i0 + ii) * n_dims;
                const double *ci = x_cat + (i0 + ii) * n_cat;
                const double floor_i = log_floor != NULL ? log_floor[i0 + ii] : -INFINITY;
                const double threshold =
                    (run_max[ii] > floor_i ? run_max[ii] : floor_i) - PRUNE_NATS;
                /* The box and the shell bound the numeric log-kernels of their
                 * dimensions; the others, and the categorical log-probabilities, are <= 0. */
                if (boxed && cmax - 0.5 * box_sq[ii] < threshold) {
                    continue;
                }
                for (intptr_t k = 0; k < nk; ++k) {
                    sq[k] = 0.0;
                    lg[k] = log_const[k0 + k];
                }
                for (intptr_t c = 0; c < n_cat; ++c) {
                    add_categorical(nk, ci[c],
                                    c < CAT_CACHE ? cat_p[c]
                                                  : categorical_log_probs(n_choices[c], spread[c]),
                                    choice + c * ld + k0, lg);
                }
                /* Every dimension adds a non-positive log-kernel, so after any prefix of
                 * the dimensions lg - sq / 2 bounds the final terms from above: a block
                 * whose bound is PRUNE_NATS below the candidate's running maximum can
                 * only change the density by a factor 1 + nk exp(-PRUNE_NATS), and is
                 * skipped. */
                int pruned = 0;
                intptr_t j = 0;
                while (j < n_dims && !pruned) {
                    const intptr_t j_end = n_dims - j < PRUNE_EVERY ? n_dims : j + PRUNE_EVERY;
                    /* Four continuous dimensions at once: one pass over sq, not four. */
                    for (; j + 4 <= j_end; j += 4) {
                        if (step[j] > 0.0 || step[j + 1] > 0.0 || step[j + 2] > 0.0 ||
                            step[j + 3] > 0.0) {
                            for (intptr_t jj = j; jj < j + 4; ++jj) {
                                add_numeric(nk, xi[jj], step[jj], mu + jj * ld + k0,
                                            shared ? inv_sigma + jj : inv_sigma + jj * ld + k0,
                                            shared, sq, lg);
                            }
                            continue;
                        }
                        add_continuous4(nk, xi + j, mu + j * ld + k0,
                                        shared ? inv_sigma + j : inv_sigma + j * ld + k0, shared,
                                        ld, sq);
                    }
                    for (; j < j_end; ++j) {
                        add_numeric(nk, xi[j], step[j], mu + j * ld + k0,
                                    shared ? inv_sigma + j : inv_sigma + j * ld + k0, shared, sq,
                                    lg);
                    }
                    if (j < n_dims && threshold > -INFINITY) {
                        pruned = block_bound(nk, lg, sq) < threshold;
                    }
                }
                if (pruned) {
                    continue;
                }
                for (intptr_t k = 0; k < nk; ++k) {
                    lg[k] -= 0.5 * sq[k];
                }
                lse_merge(nk, lg, &run_max[ii], &run_sum[ii]);
            }
        }
        for (intptr_t ii = 0; ii < ni; ++ii) {
            out[i0 + ii] = run_max[ii] + log(run_sum[ii]);
        }
    }
    return BBOPT_OK;
}

BBOPT_TARGET_CLONES
int bbopt_parzen_log_pdf_univariate(intptr_t n_x, intptr_t n_comp, intptr_t ld, intptr_t n_dims,
                                    const double *x, const double *mu, const double *inv_sigma,
                                    int shared, const double *step, const double *log_const,
                                    double *out) {
    if (n_x < 0 || n_comp < 0 || n_dims < 0 || ld < n_comp) {
        return BBOPT_ERR_SIZE;
    }
    const int code = check_steps(n_dims, step);
    if (code != BBOPT_OK) {
        return code;
    }
    if (has_nan(n_x * n_dims, x)) {
        return BBOPT_ERR_NAN;
    }
    double sq[BLOCK_COMP];
    double lg[BLOCK_COMP];
    double run_max[BLOCK_X];
    double run_sum[BLOCK_X];
    for (intptr_t j = 0; j < n_dims; ++j) {
        const double *mu_j = mu + j * ld;
        const double *inv_j = shared ? inv_sigma + j : inv_sigma + j * ld;
        const double *const_j = log_const + j * ld;
        for (intptr_t i0 = 0; i0 < n_x; i0 += BLOCK_X) {
            const intptr_t ni = n_x - i0 < BLOCK_X ? n_x - i0 : BLOCK_X;
            for (intptr_t ii = 0; ii < ni; ++ii) {
                run_max[ii] = -INFINITY;
                run_sum[ii] = 0.0;
            }
            for (intptr_t k0 = 0; k0 < n_comp; k0 += BLOCK_COMP) {
                const intptr_t nk = n_comp - k0 < BLOCK_COMP ? n_comp - k0 : BLOCK_COMP;
                for (intptr_t ii = 0; ii < ni; ++ii) {
                    for (intptr_t k = 0; k < nk; ++k) {
                        sq[k] = 0.0;
                        lg[k] = const_j[k0 + k];
                    }
                    add_numeric(nk, x[(i0 + ii) * n_dims + j], step[j], mu_j + k0,
                                shared ? inv_j : inv_j + k0, shared, sq, lg);
                    for (intptr_t k = 0; k < nk; ++k) {
                        lg[k] -= 0.5 * sq[k];
                    }
                    lse_merge(nk, lg, &run_max[ii], &run_sum[ii]);
                }
            }
            for (intptr_t ii = 0; ii < ni; ++ii) {
                out[(i0 + ii) * n_dims + j] = run_max[ii] + log(run_sum[ii]);
            }
        }
    }
    return BBOPT_OK;
}

int bbopt_parzen_categorical(intptr_t n_x, intptr_t n_comp, intptr_t ld, intptr_t n_cat,
                             const double *x_cat, const double *choice, const double *n_choices,
                             const double *spread, const double *log_weight, double *out) {
    if (n_x < 0 || n_comp < 0 || n_cat < 0 || ld < n_comp) {
        return BBOPT_ERR_SIZE;
    }
    const int code = check_categorical(n_cat, n_choices, spread);
    if (code != BBOPT_OK) {
        return code;
    }
    if (has_nan(n_x * n_cat, x_cat)) {
        return BBOPT_ERR_NAN;
    }
    double lg[BLOCK_COMP];
    for (intptr_t c = 0; c < n_cat; ++c) {
        const cat_logp p = categorical_log_probs(n_choices[c], spread[c]);
        const double *choice_c = choice + c * ld;
        const double *weight_c = log_weight + c * ld;
        for (intptr_t i = 0; i < n_x; ++i) {
            const double xv = x_cat[i * n_cat + c];
            double m = -INFINITY;
            double s = 0.0;
            for (intptr_t k0 = 0; k0 < n_comp; k0 += BLOCK_COMP) {
                const intptr_t nk = n_comp - k0 < BLOCK_COMP ? n_comp - k0 : BLOCK_COMP;
                for (intptr_t k = 0; k < nk; ++k) {
                    lg[k] = weight_c[k0 + k];
                }
                add_categorical(nk, xv, p, choice_c + k0, lg);
                lse_merge(nk, lg, &m, &s);
            }
            out[i * n_cat + c] = m + log(s);
        }
    }
    return BBOPT_OK;
}

/* The standard normal CDF Phi(z): erf near 0, erfc in the tails (no cancellation). */
static double ndtr(double z) {
    const double x = z * SQRT1_2;
    if (fabs(x) < SQRT1_2) {
        return 0.5 + 0.5 * erf(x);
    }
    const double tail = 0.5 * erfc(fabs(x));
    return x > 0.0 ? 1.0 - tail : tail;
}

/* Phi^-1(p), 0 < p < 1: Acklam's rational approximation (relative error
 * below 1.2e-9), then one Halley step on Phi(x) - p, which brings it to
 * the precision of Phi (the step's error is cubic in the first one's). */
static double ndtri(double p) {
    static const double a[6] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                -2.759285104469687e+02, 1.383577518672690e+02,
                                -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[5] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                -1.556989798598866e+02, 6.680131188771972e+01,
                                -1.328068155288572e+01};
    static const double c[6] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                -2.400758277161838e+00, -2.549732539343734e+00,
                                4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[4] = {7.784695709041462e-03, 3.224671290700398e-01,
                                2.445134137142996e+00, 3.754408661907416e+00};
    const double p_low = 0.02425;
    double x;
    if (p < p_low) {
        const double q = sqrt(-2.0 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    } else if (p <= 1.0 - p_low) {
        const double q = p - 0.5;
        const double r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
    } else {
        const double q = sqrt(-2.0 * log1p(-p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    }
    /* Halley: e = Phi(x) - p (on the side of p where Phi is precise), u = e / phi(x).
     * Beyond |x| = 37.5 (p below 1e-300, subnormal), 1 / phi(x) overflows: keep the
     * approximation. */
    if (!(fabs(x) < 37.5)) {
        return x;
    }
    const double e = x < 0.0 ? ndtr(x) - p : (1.0 - p) - ndtr(-x);
    const double t = e * exp(0.5 * x * x + HALF_LOG_2PI);
    return x - t / (1.0 + 0.5 * x * t);
}

int bbopt_truncnorm_draw(intptr_t n, const double *mu, const double *sigma, const double *lo,
                         const double *hi, const double *u, double *out) {
    if (n < 0) {
        return BBOPT_ERR_SIZE;
    }
    for (intptr_t i = 0; i < n; ++i) {
        if (isnan(mu[i]) || isnan(sigma[i]) || isnan(lo[i]) || isnan(hi[i]) || isnan(u[i])) {
            return BBOPT_ERR_NAN;
        }
        if (!(sigma[i] > 0.0) || !(lo[i] <= hi[i]) || !isfinite(mu[i]) || !(u[i] >= 0.0) ||
            !(u[i] < 1.0)) {
            return BBOPT_ERR_DOMAIN;
        }
    }
    for (intptr_t i = 0; i < n; ++i) {
        const double a = (lo[i] - mu[i]) / sigma[i], b = (hi[i] - mu[i]) / sigma[i];
        const double p = ndtr(a) + u[i] * (ndtr(b) - ndtr(a));
        double x;
        if (p < 0.5) { /* lower half: Phi^-1(p), -inf (then lo) at p = 0 */
            x = p > 0.0 ? mu[i] + sigma[i] * ndtri(p) : lo[i];
        } else { /* upper half: through q = 1 - p, from the upper tails (no rounding to 1) */
            const double q = ndtr(-a) - u[i] * (ndtr(-a) - ndtr(-b));
            x = q > 0.0 ? mu[i] - sigma[i] * ndtri(q) : hi[i];
        }
        out[i] = x < lo[i] ? lo[i] : (x > hi[i] ? hi[i] : x);
    }
    return BBOPT_OK;
}
