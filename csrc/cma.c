/* Evolution-strategy kernels; see cma.h for the notations and references. */
#include "cma.h"

#include <limits.h>
#include <math.h>
#include <string.h>

static int any_nan(intptr_t n, const double *v) {
    int bad = 0;
    for (intptr_t i = 0; i < n; i++) bad |= isnan(v[i]);
    return bad;
}

static int bad_sigma(double sigma) { return !(sigma > 0.0) || isinf(sigma); }

/* exp(min(1, e)): the capped step-size factor (see cma.h). */
static double step_factor(double e) { return exp(e < 1.0 ? e : 1.0); }

int bbopt_cma_sample(intptr_t n, intptr_t d, const double *BBOPT_RESTRICT z,
                     const double *BBOPT_RESTRICT mean, double sigma,
                     const double *BBOPT_RESTRICT bd, double *BBOPT_RESTRICT x) {
    if (n < 0 || d < 1) return BBOPT_ERR_SIZE;
    if (bad_sigma(sigma)) return BBOPT_ERR_DOMAIN;
    for (intptr_t i = 0; i < n; i++) {
        const double *zi = z + i * d;
        double *xi = x + i * d;
        for (intptr_t r = 0; r < d; r++) {
            const double *row = bd + r * d;
            double s = 0.0;
            for (intptr_t c = 0; c < d; c++) s += row[c] * zi[c];
            xi[r] = mean[r] + sigma * s;
        }
    }
    return BBOPT_OK;
}

/* h_sigma of [H16, eq. 45]: 1 while ||p_sigma|| is not too long. */
static int heaviside(double norm_ps, double c_sigma, intptr_t generation, intptr_t d,
                     double chi_n) {
    double correction = sqrt(1.0 - pow(1.0 - c_sigma, 2.0 * (double)(generation + 1)));
    return norm_ps / correction < (1.4 + 2.0 / ((double)d + 1.0)) * chi_n;
}

int bbopt_cma_update(intptr_t mu, intptr_t d, const double *BBOPT_RESTRICT y,
                     const double *BBOPT_RESTRICT weights, const double *BBOPT_RESTRICT rates,
                     intptr_t generation, const double *BBOPT_RESTRICT invsqrt,
                     double *BBOPT_RESTRICT mean, double *BBOPT_RESTRICT sigma,
                     double *BBOPT_RESTRICT p_sigma, double *BBOPT_RESTRICT p_c,
                     double *BBOPT_RESTRICT cov) {
    if (mu < 1 || d < 1 || generation < 0) return BBOPT_ERR_SIZE;
    if (any_nan(mu * d, y) || any_nan(mu, weights)) return BBOPT_ERR_NAN;
    if (bad_sigma(*sigma)) return BBOPT_ERR_DOMAIN;
    const double c1 = rates[BBOPT_CMA_RATE_C1], cmu = rates[BBOPT_CMA_RATE_CMU];
    const double cm = rates[BBOPT_CMA_RATE_CM], cs = rates[BBOPT_CMA_RATE_CSIGMA];
    const double ds = rates[BBOPT_CMA_RATE_DSIGMA], cc = rates[BBOPT_CMA_RATE_CC];
    const double mueff = rates[BBOPT_CMA_RATE_MUEFF], chi_n = rates[BBOPT_CMA_RATE_CHIN];
    const double s = *sigma, ks = sqrt(cs * (2.0 - cs) * mueff);
    double sum_w = 0.0;
    for (intptr_t i = 0; i < mu; i++) sum_w += weights[i];
    /* p_sigma <- (1 - cs) p_sigma + ks invsqrt y_w, with (invsqrt y_w)_r =
     * sum_{w_i > 0} w_i (invsqrt y_i)_r computed row by row, so that no (d,)
     * buffer is needed; mean and p_c, which need y_w, are updated after. */
    double norm2 = 0.0;
    for (intptr_t r = 0; r < d; r++) {
        const double *row = invsqrt + r * d;
        double acc = 0.0;
        for (intptr_t i = 0; i < mu; i++) {
            if (!(weights[i] > 0.0)) continue;
            const double *yi = y + i * d;
            double dot = 0.0;
            for (intptr_t c = 0; c < d; c++) dot += row[c] * yi[c];
            acc += weights[i] * dot;
        }
        p_sigma[r] = (1.0 - cs) * p_sigma[r] + ks * acc;
        norm2 += p_sigma[r] * p_sigma[r];
    }
    const double norm_ps = sqrt(norm2);
    const int h = heaviside(norm_ps, cs, generation, d, chi_n);
    const double kc = h ? sqrt(cc * (2.0 - cc) * mueff) : 0.0;
    const double delta = h ? 0.0 : cc * (2.0 - cc);
    for (intptr_t k = 0; k < d; k++) {
        double yw = 0.0;
        for (intptr_t i = 0; i < mu; i++)
            if (weights[i] > 0.0) yw += weights[i] * y[i * d + k];
        p_c[k] = (1.0 - cc) * p_c[k] + kc * yw;
        mean[k] += cm * s * yw;
    }
    /* C <- (1 + c1 delta - c1 - cmu sum_w) C + c1 p_c p_c^T + cmu sum w°_i y_i y_i^T
     * [H16, eqs. 46-47]: w°_i = w_i for w_i >= 0, else w_i d / ||invsqrt y_i||^2
     * (active CMA). The upper triangle is updated, then mirrored. */
    const double decay = 1.0 + c1 * delta - c1 - cmu * sum_w;
    for (intptr_t r = 0; r < d; r++) {
        double *crow = cov + r * d;
        for (intptr_t c = r; c < d; c++) crow[c] = decay * crow[c] + c1 * p_c[r] * p_c[c];
    }
    for (intptr_t i = 0; i < mu; i++) {
        const double *yi = y + i * d;
        double w = weights[i];
        if (w == 0.0) continue;
        if (w < 0.0) {
            double q = 0.0;
            for (intptr_t r = 0; r < d; r++) {
                const double *row = invsqrt + r * d;
                double dot = 0.0;
                for (intptr_t c = 0; c < d; c++) dot += row[c] * yi[c];
                q += dot * dot;
            }
            w *= q > 0.0 ? (double)d / q : 0.0;
        }
        for (intptr_t r = 0; r < d; r++) {
            const double a = cmu * w * yi[r];
            double *crow = cov + r * d;
            for (intptr_t c = r; c < d; c++) crow[c] += a * yi[c];
        }
    }
    for (intptr_t r = 0; r < d; r++)
        for (intptr_t c = r + 1; c < d; c++) cov[c * d + r] = cov[r * d + c];
    *sigma = s * step_factor(cs / ds * (norm_ps / chi_n - 1.0));
    return BBOPT_OK;
}

int bbopt_cma_update_sep(intptr_t mu, intptr_t d, const double *BBOPT_RESTRICT y,
                         const double *BBOPT_RESTRICT weights,
                         const double *BBOPT_RESTRICT rates, intptr_t generation,
                         double *BBOPT_RESTRICT mean, double *BBOPT_RESTRICT sigma,
                         double *BBOPT_RESTRICT p_sigma, double *BBOPT_RESTRICT p_c,
                         double *BBOPT_RESTRICT cov) {
    if (mu < 1 || d < 1 || generation < 0) return BBOPT_ERR_SIZE;
    if (any_nan(mu * d, y) || any_nan(mu, weights)) return BBOPT_ERR_NAN;
    if (bad_sigma(*sigma)) return BBOPT_ERR_DOMAIN;
    for (intptr_t k = 0; k < d; k++)
        if (!(cov[k] > 0.0)) return BBOPT_ERR_DOMAIN;
    const double c1 = rates[BBOPT_CMA_RATE_C1], cmu = rates[BBOPT_CMA_RATE_CMU];
    const double cm = rates[BBOPT_CMA_RATE_CM], cs = rates[BBOPT_CMA_RATE_CSIGMA];
    const double ds = rates[BBOPT_CMA_RATE_DSIGMA], cc = rates[BBOPT_CMA_RATE_CC];
    const double mueff = rates[BBOPT_CMA_RATE_MUEFF], chi_n = rates[BBOPT_CMA_RATE_CHIN];
    const double s = *sigma, ks = sqrt(cs * (2.0 - cs) * mueff);
    double sum_w = 0.0, norm2 = 0.0;
    for (intptr_t i = 0; i < mu; i++) sum_w += weights[i];
    for (intptr_t k = 0; k < d; k++) {
        double yw = 0.0;
        for (intptr_t i = 0; i < mu; i++) yw += weights[i] * y[i * d + k];
        p_sigma[k] = (1.0 - cs) * p_sigma[k] + ks * yw / sqrt(cov[k]);
        norm2 += p_sigma[k] * p_sigma[k];
    }
    const double norm_ps = sqrt(norm2);
    const int h = heaviside(norm_ps, cs, generation, d, chi_n);
    const double kc = h ? sqrt(cc * (2.0 - cc) * mueff) : 0.0;
    const double decay = 1.0 + c1 * (h ? 0.0 : cc * (2.0 - cc)) - c1 - cmu * sum_w;
    for (intptr_t k = 0; k < d; k++) {
        double yw = 0.0, rank_mu = 0.0;
        for (intptr_t i = 0; i < mu; i++) {
            const double v = y[i * d + k];
            yw += weights[i] * v;
            rank_mu += weights[i] * v * v;
        }
        p_c[k] = (1.0 - cc) * p_c[k] + kc * yw;
        mean[k] += cm * s * yw;
        cov[k] = decay * cov[k] + c1 * p_c[k] * p_c[k] + cmu * rank_mu;
    }
    *sigma = s * step_factor(cs / ds * (norm_ps / chi_n - 1.0));
    return BBOPT_OK;
}

int bbopt_cma_eigen(intptr_t d, const double *BBOPT_RESTRICT cov,
                    const bbopt_cma_lapack *lapack, double *BBOPT_RESTRICT work,
                    int *BBOPT_RESTRICT iwork, double *BBOPT_RESTRICT bd,
                    double *BBOPT_RESTRICT invsqrt, double *BBOPT_RESTRICT eigenvalues) {
    if (d < 1 || d > INT_MAX / 27) return BBOPT_ERR_SIZE;
    for (intptr_t k = 0; k < d * d; k++)
        if (!isfinite(cov[k])) return BBOPT_ERR_NAN;
    /* work = [a (d*d) | z (d*d) | lapack work (26 d) | d (d)] */
    double *a = work, *zmat = work + d * d, *lwork_buf = work + 2 * d * d;
    double *root = lwork_buf + 26 * d;
    memcpy(a, cov, (size_t)(d * d) * sizeof(double));
    int n = (int)d, lda = n, il = 1, iu = n, m = 0, ldz = n, info = 0;
    int lwork = 26 * n, liwork = 10 * n;
    double vl = 0.0, vu = 0.0, abstol = 0.0;
    char jobz = 'V', range = 'A', uplo = 'L'; /* row-major upper = column-major lower */
    lapack->dsyevr(&jobz, &range, &uplo, &n, a, &lda, &vl, &vu, &il, &iu, &abstol, &m,
                   eigenvalues, zmat, &ldz, iwork, lwork_buf, &lwork, iwork + 2 * n,
                   &liwork, &info);
    if (info != 0 || m != n || !(eigenvalues[d - 1] > 0.0)) return BBOPT_ERR_NOT_PD;
    for (intptr_t j = 0; j < d; j++) {
        if (eigenvalues[j] < 1e-300) eigenvalues[j] = 1e-300;
        root[j] = sqrt(eigenvalues[j]);
    }
    /* Column-major z: eigenvector j is zmat[j*d .. j*d + d), so B[r][j] = zmat[j*d + r]. */
    for (intptr_t r = 0; r < d; r++)
        for (intptr_t j = 0; j < d; j++) bd[r * d + j] = zmat[j * d + r] * root[j];
    for (intptr_t r = 0; r < d; r++) {
        for (intptr_t c = r; c < d; c++) {
            double s = 0.0;
            for (intptr_t j = 0; j < d; j++)
                s += zmat[j * d + r] * zmat[j * d + c] / root[j];
            invsqrt[r * d + c] = s;
            invsqrt[c * d + r] = s;
        }
    }
    return BBOPT_OK;
}

int bbopt_lmma_sample(intptr_t n, intptr_t d, intptr_t m, const double *BBOPT_RESTRICT z,
                      const double *BBOPT_RESTRICT mean, double sigma,
                      const double *BBOPT_RESTRICT vectors, const double *BBOPT_RESTRICT c_d,
                      double *BBOPT_RESTRICT steps, double *BBOPT_RESTRICT x) {
    if (n < 0 || d < 1 || m < 0) return BBOPT_ERR_SIZE;
    if (bad_sigma(sigma)) return BBOPT_ERR_DOMAIN;
    for (intptr_t i = 0; i < n; i++) {
        double *s = steps + i * d;
        memcpy(s, z + i * d, (size_t)d * sizeof(double));
        for (intptr_t j = 0; j < m; j++) {
            const double *v = vectors + j * d;
            double dot = 0.0;
            for (intptr_t k = 0; k < d; k++) dot += v[k] * s[k];
            const double keep = 1.0 - c_d[j], along = c_d[j] * dot;
            for (intptr_t k = 0; k < d; k++) s[k] = keep * s[k] + along * v[k];
        }
        for (intptr_t k = 0; k < d; k++) x[i * d + k] = mean[k] + sigma * s[k];
    }
    return BBOPT_OK;
}

int bbopt_lmma_update(intptr_t mu, intptr_t d, intptr_t m, const double *BBOPT_RESTRICT z,
                      const double *BBOPT_RESTRICT steps, const double *BBOPT_RESTRICT weights,
                      const double *BBOPT_RESTRICT rates, const double *BBOPT_RESTRICT c_c,
                      double *BBOPT_RESTRICT mean, double *BBOPT_RESTRICT sigma,
                      double *BBOPT_RESTRICT p_sigma, double *BBOPT_RESTRICT vectors) {
    if (mu < 1 || d < 1 || m < 0) return BBOPT_ERR_SIZE;
    if (any_nan(mu * d, z) || any_nan(mu * d, steps) || any_nan(mu, weights))
        return BBOPT_ERR_NAN;
    if (bad_sigma(*sigma)) return BBOPT_ERR_DOMAIN;
    const double cm = rates[BBOPT_CMA_RATE_CM], cs = rates[BBOPT_CMA_RATE_CSIGMA];
    const double ds = rates[BBOPT_CMA_RATE_DSIGMA], mueff = rates[BBOPT_CMA_RATE_MUEFF];
    const double s = *sigma, ks = sqrt(mueff * cs * (2.0 - cs));
    double norm2 = 0.0;
    for (intptr_t k = 0; k < d; k++) {
        double zw = 0.0, sw = 0.0;
        for (intptr_t i = 0; i < mu; i++) {
            zw += weights[i] * z[i * d + k];
            sw += weights[i] * steps[i * d + k];
        }
        mean[k] += cm * s * sw;
        p_sigma[k] = (1.0 - cs) * p_sigma[k] + ks * zw;
        norm2 += p_sigma[k] * p_sigma[k];
        for (intptr_t j = 0; j < m; j++) {
            const double kc = sqrt(mueff * c_c[j] * (2.0 - c_c[j]));
            vectors[j * d + k] = (1.0 - c_c[j]) * vectors[j * d + k] + kc * zw;
        }
    }
    *sigma = s * step_factor(cs / (2.0 * ds) * (norm2 / (double)d - 1.0));
    return BBOPT_OK;
}
