/*
 * Gaussian-process kernels (see gp.h for the definitions and notations).
 *
 * Row-major buffers meet column-major LAPACK as their transposes: the
 * row-major lower factor L (K = L L^T) is, for Fortran, the upper factor
 * U = L^T with K = U^T U, so the factorisation is dpotrf("U") and a solve
 * with L is a solve with U^T.
 *
 * Inverse squared length scales are computed in blocks of DIM_BLOCK
 * dimensions on the stack (no allocation): squared distances are
 * accumulated block by block into the output or work buffers.
 */
#include "gp.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#define DIM_BLOCK 64
#define SQRT5 2.23606797749978969641
#define LOG_2PI 1.83787706640934548356
#define LOG_SQRT_2PI 0.91893853320467274178
#define INV_SQRT_2PI 0.39894228040143267794
#define SQRT_HALF 0.70710678118654752440
#define SQRT_HALF_PI 1.25331413731550025121
/* Terms of the continued fraction of the Mills ratio used for z <= -4. */
#define MILLS_TERMS 40

/* Inverse squared length scales exp(-2 theta_j) of dimensions j0 .. j1-1. */
BBOPT_INLINE void inv_ls2_block(const double *theta, intptr_t j0, intptr_t j1, double *buf) {
    for (intptr_t j = j0; j < j1; ++j) {
        buf[j - j0] = exp(-2.0 * theta[j]);
    }
}

/* Squared scaled distance between a and b over dimensions j0 .. j1-1. */
BBOPT_INLINE double dist2_block(const double *BBOPT_RESTRICT a, const double *BBOPT_RESTRICT b,
                                const uint8_t *categorical, const double *inv_ls2,
                                intptr_t j0, intptr_t j1) {
    double r2 = 0.0;
    for (intptr_t j = j0; j < j1; ++j) {
        const double diff = a[j] - b[j];
        const double term = categorical[j] ? (double)(diff != 0.0) : diff * diff;
        r2 += term * inv_ls2[j - j0];
    }
    return r2;
}

/* Matern 5/2 of a squared distance, signal variance s. */
BBOPT_INLINE double matern(double r2, double s) {
    const double r = sqrt(r2);
    return s * (1.0 + SQRT5 * r + (5.0 / 3.0) * r2) * exp(-SQRT5 * r);
}

/* -dk/d(r^2) * 2 = s (5/3) (1 + sqrt5 r) exp(-sqrt5 r). */
BBOPT_INLINE double matern_slope(double r2, double s) {
    const double r = sqrt(r2);
    return s * (5.0 / 3.0) * (1.0 + SQRT5 * r) * exp(-SQRT5 * r);
}

static int has_nan(intptr_t n, const double *v) {
    for (intptr_t i = 0; i < n; ++i) {
        if (isnan(v[i])) {
            return 1;
        }
    }
    return 0;
}

/* out (n1, ldo) row i, columns 0..n2-1 = squared distances; if `lower`, only j < i. */
static void squared_distances(intptr_t n1, intptr_t n2, intptr_t d, const double *x1,
                              const double *x2, const uint8_t *categorical,
                              const double *theta, int lower, double *out, intptr_t ldo) {
    double inv_ls2[DIM_BLOCK];
    for (intptr_t i = 0; i < n1; ++i) {
        const intptr_t end = lower ? i : n2;
        for (intptr_t k = 0; k < end; ++k) {
            out[i * ldo + k] = 0.0;
        }
    }
    for (intptr_t j0 = 0; j0 < d; j0 += DIM_BLOCK) {
        const intptr_t j1 = j0 + DIM_BLOCK < d ? j0 + DIM_BLOCK : d;
        inv_ls2_block(theta, j0, j1, inv_ls2);
        for (intptr_t i = 0; i < n1; ++i) {
            const double *a = x1 + i * d;
            const intptr_t end = lower ? i : n2;
            double *row = out + i * ldo;
            for (intptr_t k = 0; k < end; ++k) {
                row[k] += dist2_block(a, x2 + k * d, categorical, inv_ls2, j0, j1);
            }
        }
    }
}

int bbopt_gp_kernel_matrix(intptr_t n1, intptr_t n2, intptr_t d, const double *x1,
                           const double *x2, const uint8_t *categorical, const double *theta,
                           double *out) {
    if (n1 < 0 || n2 < 0 || d < 0) {
        return BBOPT_ERR_SIZE;
    }
    if (has_nan(n1 * d, x1) || has_nan(n2 * d, x2) || has_nan(d + 2, theta)) {
        return BBOPT_ERR_NAN;
    }
    const double s = exp(theta[d]);
    squared_distances(n1, n2, d, x1, x2, categorical, theta, 0, out, n2);
    for (intptr_t i = 0; i < n1 * n2; ++i) {
        out[i] = matern(out[i], s);
    }
    return BBOPT_OK;
}

/* Log density of N(mean, std^2) at v and its derivative in v, summed over p. */
static double log_prior(intptr_t p, const double *theta, const double *mean, const double *std,
                        double *grad) {
    double total = 0.0;
    for (intptr_t i = 0; i < p; ++i) {
        const double z = (theta[i] - mean[i]) / std[i];
        total += -0.5 * z * z - log(std[i]) - LOG_SQRT_2PI;
        if (grad != NULL) {
            grad[i] = -z / std[i];
        }
    }
    return total;
}

int bbopt_gp_log_marginal_likelihood(intptr_t n, intptr_t d, const double *x, const double *y,
                                     const uint8_t *categorical, const double *theta,
                                     const double *prior_mean, const double *prior_std,
                                     const bbopt_gp_lapack *lapack, double *chol,
                                     double *alpha, double *work, double *value,
                                     double *grad) {
    if (n < 0 || d < 0 || n > INT_MAX) {
        return BBOPT_ERR_SIZE;
    }
    const intptr_t p = d + 2;
    if (has_nan(n * d, x) || has_nan(n, y) || has_nan(p, theta) || has_nan(p, prior_mean) ||
        has_nan(p, prior_std)) {
        return BBOPT_ERR_NAN;
    }
    for (intptr_t i = 0; i < p; ++i) {
        if (!(prior_std[i] > 0.0) || isinf(prior_std[i]) || isinf(prior_mean[i])) {
            return BBOPT_ERR_DOMAIN;
        }
    }
    const double s = exp(theta[d]);
    const double noise = exp(theta[d + 1]);
    *value = log_prior(p, theta, prior_mean, prior_std, grad);
    if (n == 0) {
        return BBOPT_OK;
    }
    int ni = (int)n;
    int one = 1;
    int info = 0;
    double done = 1.0;
    /* work lower triangle: squared distances; chol lower triangle: K. */
    squared_distances(n, n, d, x, x, categorical, theta, 1, work, n);
    for (intptr_t a = 0; a < n; ++a) {
        for (intptr_t b = 0; b < a; ++b) {
            chol[a * n + b] = matern(work[a * n + b], s);
        }
        chol[a * n + a] = s + noise;
    }
    lapack->dpotrf("U", &ni, chol, &ni, &info);
    if (info != 0) {
        return BBOPT_ERR_NOT_PD;
    }
    memcpy(alpha, y, (size_t)n * sizeof(double));
    lapack->dtrsm("L", "U", "T", "N", &ni, &one, &done, chol, &ni, alpha, &ni); /* L z = y */
    lapack->dtrsm("L", "U", "N", "N", &ni, &one, &done, chol, &ni, alpha, &ni); /* L^T a = z */
    double fit = 0.0;
    double log_det = 0.0;
    for (intptr_t a = 0; a < n; ++a) {
        fit += y[a] * alpha[a];
        log_det += log(chol[a * n + a]);
    }
    *value += -0.5 * fit - log_det - 0.5 * (double)n * LOG_2PI;
    if (grad != NULL) {
        /* Move the squared distances to chol's (free) upper triangle, put
         * L in work's lower triangle and invert K there. */
        for (intptr_t a = 0; a < n; ++a) {
            for (intptr_t b = 0; b < a; ++b) {
                chol[b * n + a] = work[a * n + b];
                work[a * n + b] = chol[a * n + b];
            }
            work[a * n + a] = chol[a * n + a];
        }
        lapack->dpotri("U", &ni, work, &ni, &info);
        if (info != 0) {
            return BBOPT_ERR_NOT_PD;
        }
        /* dvalue/dtheta_q = tr(W dK/dtheta_q) / 2, W = alpha alpha^T - K^-1. */
        double g_signal = 0.0;
        double trace_w = 0.0;
        for (intptr_t a = 0; a < n; ++a) {
            for (intptr_t b = 0; b < a; ++b) {
                const double w = alpha[a] * alpha[b] - work[a * n + b];
                const double r2 = chol[b * n + a];
                g_signal += w * matern(r2, s);           /* pairs (a, b) and (b, a) */
                chol[b * n + a] = w * matern_slope(r2, s); /* d k / d log l_j = slope * r2_j */
            }
            trace_w += alpha[a] * alpha[a] - work[a * n + a];
        }
        grad[d] += g_signal + 0.5 * s * trace_w;
        grad[d + 1] += 0.5 * noise * trace_w;
        double inv_ls2[DIM_BLOCK];
        for (intptr_t j0 = 0; j0 < d; j0 += DIM_BLOCK) {
            const intptr_t j1 = j0 + DIM_BLOCK < d ? j0 + DIM_BLOCK : d;
            inv_ls2_block(theta, j0, j1, inv_ls2);
            double acc[DIM_BLOCK] = {0.0};
            for (intptr_t a = 0; a < n; ++a) {
                const double *xa = x + a * d;
                for (intptr_t b = 0; b < a; ++b) {
                    const double c = chol[b * n + a];
                    const double *xb = x + b * d;
                    for (intptr_t j = j0; j < j1; ++j) {
                        const double diff = xa[j] - xb[j];
                        const double term =
                            categorical[j] ? (double)(diff != 0.0) : diff * diff;
                        acc[j - j0] += c * term;
                    }
                }
            }
            for (intptr_t j = j0; j < j1; ++j) {
                grad[j] += acc[j - j0] * inv_ls2[j - j0];
            }
        }
    }
    for (intptr_t a = 0; a < n; ++a) {
        for (intptr_t b = a + 1; b < n; ++b) {
            chol[a * n + b] = 0.0;
        }
    }
    return BBOPT_OK;
}

int bbopt_gp_posterior(intptr_t n, intptr_t m, intptr_t d, const double *x,
                       const uint8_t *categorical, const double *theta, const double *chol,
                       const double *alpha, const double *x_new,
                       const bbopt_gp_lapack *lapack, double *work, double *mean, double *var,
                       double *grad_mean, double *grad_var) {
    if (n < 0 || m < 0 || d < 0 || n > INT_MAX || m > INT_MAX) {
        return BBOPT_ERR_SIZE;
    }
    if (has_nan(n * d, x) || has_nan(m * d, x_new) || has_nan(d + 2, theta)) {
        return BBOPT_ERR_NAN;
    }
    const double s = exp(theta[d]);
    const int want_grad = grad_mean != NULL || grad_var != NULL;
    /* work[0 .. m n): k(x_new, X), then L^-1 k^T, then K^-1 k^T (column i = row i);
     * work[m n .. 2 m n): the slopes, when a gradient is wanted. */
    double *slope = work + m * n;
    squared_distances(m, n, d, x_new, x, categorical, theta, 0, work, n);
    for (intptr_t i = 0; i < m; ++i) {
        double *row = work + i * n;
        double mu = 0.0;
        for (intptr_t a = 0; a < n; ++a) {
            if (want_grad) {
                slope[i * n + a] = matern_slope(row[a], s);
            }
            row[a] = matern(row[a], s);
            mu += row[a] * alpha[a];
        }
        mean[i] = mu;
    }
    if (n > 0 && m > 0) {
        int ni = (int)n;
        int mi = (int)m;
        double done = 1.0;
        lapack->dtrsm("L", "U", "T", "N", &ni, &mi, &done, (double *)chol, &ni, work, &ni);
    }
    for (intptr_t i = 0; i < m; ++i) {
        const double *v = work + i * n;
        double q = 0.0;
        for (intptr_t a = 0; a < n; ++a) {
            q += v[a] * v[a];
        }
        var[i] = s - q > 0.0 ? s - q : 0.0;
    }
    if (!want_grad) {
        return BBOPT_OK;
    }
    if (grad_var != NULL && n > 0 && m > 0) {
        int ni = (int)n;
        int mi = (int)m;
        double done = 1.0;
        lapack->dtrsm("L", "U", "N", "N", &ni, &mi, &done, (double *)chol, &ni, work, &ni);
    }
    /* d k(x_new_i, x_a) / d x_new_ij = -slope_ia (x_new_ij - x_aj) / l_j^2 (numeric j);
     * d mean = sum_a alpha_a dk,  d var = -2 sum_a (K^-1 k)_a dk. */
    for (intptr_t i = 0; i < m * d; ++i) {
        if (grad_mean != NULL) {
            grad_mean[i] = 0.0;
        }
        if (grad_var != NULL) {
            grad_var[i] = 0.0;
        }
    }
    double inv_ls2[DIM_BLOCK];
    for (intptr_t j0 = 0; j0 < d; j0 += DIM_BLOCK) {
        const intptr_t j1 = j0 + DIM_BLOCK < d ? j0 + DIM_BLOCK : d;
        inv_ls2_block(theta, j0, j1, inv_ls2);
        for (intptr_t i = 0; i < m; ++i) {
            const double *xi = x_new + i * d;
            double acc_mean[DIM_BLOCK] = {0.0};
            double acc_var[DIM_BLOCK] = {0.0};
            for (intptr_t a = 0; a < n; ++a) {
                const double *xa = x + a * d;
                const double sl = slope[i * n + a];
                const double cm = -sl * alpha[a];
                const double cv = 2.0 * sl * work[i * n + a];
                for (intptr_t j = j0; j < j1; ++j) {
                    const double diff = categorical[j] ? 0.0 : xi[j] - xa[j];
                    acc_mean[j - j0] += cm * diff;
                    acc_var[j - j0] += cv * diff;
                }
            }
            for (intptr_t j = j0; j < j1; ++j) {
                if (grad_mean != NULL) {
                    grad_mean[i * d + j] = acc_mean[j - j0] * inv_ls2[j - j0];
                }
                if (grad_var != NULL) {
                    grad_var[i * d + j] = acc_var[j - j0] * inv_ls2[j - j0];
                }
            }
        }
    }
    /* var was clamped at 0: its gradient there is 0. */
    if (grad_var != NULL) {
        for (intptr_t i = 0; i < m; ++i) {
            if (var[i] == 0.0) {
                for (intptr_t j = 0; j < d; ++j) {
                    grad_var[i * d + j] = 0.0;
                }
            }
        }
    }
    return BBOPT_OK;
}

/*
 * log h(z), h(z) = phi(z) + z Phi(z), and dlogh = d log h / dz = Phi(z) / h(z).
 * For z >= -1 directly (h >= 0.08, mild cancellation). For t = -z > 1,
 * h = phi(t) (1 - t R(t)) with R the Mills ratio Phi(-t) / phi(t); writing
 * R = 1 / (t + c) gives 1 - t R = c / (t + c) and dlogh = 1 / c, free of
 * cancellation. c = 1 / R - t from erfc for t < 4, and from the continued
 * fraction R(t) = 1 / (t + 1 / (t + 2 / (t + 3 / ...))) beyond.
 */
BBOPT_INLINE double log_h(double z, double *dlogh) {
    if (z >= -1.0) {
        const double big_phi = 0.5 * erfc(-z * SQRT_HALF);
        const double h = INV_SQRT_2PI * exp(-0.5 * z * z) + z * big_phi;
        *dlogh = big_phi / h;
        return log(h);
    }
    const double t = -z;
    double c;
    if (t < 4.0) {
        const double mills = SQRT_HALF_PI * exp(0.5 * t * t) * erfc(t * SQRT_HALF);
        c = 1.0 / mills - t;
    } else {
        c = 0.0;
        for (int k = MILLS_TERMS; k >= 2; --k) {
            c = (double)k / (t + c);
        }
        c = 1.0 / (t + c);
    }
    *dlogh = 1.0 / c;
    return -0.5 * t * t - LOG_SQRT_2PI - log1p(t / c);
}

int bbopt_gp_log_ei(intptr_t m, const double *mean, const double *var, double best,
                    double *out, double *grad_mean, double *grad_var) {
    if (m < 0) {
        return BBOPT_ERR_SIZE;
    }
    if (isnan(best) || has_nan(m, mean) || has_nan(m, var)) {
        return BBOPT_ERR_NAN;
    }
    if (isinf(best)) {
        return BBOPT_ERR_DOMAIN;
    }
    for (intptr_t i = 0; i < m; ++i) {
        if (!(var[i] > 0.0) || isinf(var[i]) || isinf(mean[i])) {
            return BBOPT_ERR_DOMAIN;
        }
    }
    for (intptr_t i = 0; i < m; ++i) {
        const double sigma = sqrt(var[i]);
        const double z = (best - mean[i]) / sigma;
        double dlogh;
        out[i] = log(sigma) + log_h(z, &dlogh);
        if (grad_mean != NULL) {
            grad_mean[i] = -dlogh / sigma;
        }
        if (grad_var != NULL) {
            grad_var[i] = 0.5 * (1.0 - dlogh * z) / var[i];
        }
    }
    return BBOPT_OK;
}
