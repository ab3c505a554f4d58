/*
 * Evolution-strategy kernels: CMA-ES with a full covariance matrix, its
 * separable (diagonal) variant sep-CMA-ES, and the limited-memory matrix
 * adaptation LM-MA-ES, as the sampling and distribution-update steps.
 *
 * References
 * ----------
 * [H16]  N. Hansen, "The CMA Evolution Strategy: A Tutorial", arXiv:1604.00772
 *        (2016); equation numbers below are of that text.
 * [RH08] R. Ros and N. Hansen, "A Simple Modification in CMA-ES Achieving
 *        Linear Time and Space Complexity", PPSN X (2008).
 * [LGB17] I. Loshchilov, T. Glasmachers and H.-G. Beyer, "Limited-Memory
 *        Matrix Adaptation for Large Scale Black-box Optimization",
 *        arXiv:1705.06693 (2017), Algorithm 1.
 *
 * Notations
 * ---------
 * d       : dimensions;  n : points sampled;  mu : points selected
 * mean    : (d,) mean of the search distribution;  sigma : step size (> 0)
 * cov     : (d, d) row-major covariance C (full) or (d,) its diagonal (sep)
 * bd      : (d, d) row-major B diag(D), with C = B diag(D^2) B^T
 * invsqrt : (d, d) row-major C^(-1/2) = B diag(1 / D) B^T
 * y       : (mu, d) selected steps y_i = (x_i - mean) / sigma, best first
 * weights : (mu,) positive recombination weights, summing to 1
 * rates   : (BBOPT_CMA_N_RATES,) learning rates, indexed by BBOPT_CMA_RATE_*
 * generation : number of updates done before this one (0 for the first),
 *          for the bias correction of the Heaviside function h_sigma (eq. 45)
 *
 * Every update writes the new mean, step size (sigma[0]) and paths in place.
 * The step-size factor exp(...) is capped at e (an exponent of at most 1),
 * as pycma and the cmaes package do, so that one generation with a huge
 * evolution path cannot blow sigma up.
 */
#ifndef BBOPT_CMA_H
#define BBOPT_CMA_H

#include "bbopt_common.h"

/* Index of each learning rate in `rates`. */
enum {
    BBOPT_CMA_RATE_CM = 0,     /* c_m: learning rate of the mean (1) */
    BBOPT_CMA_RATE_CSIGMA = 1, /* c_sigma: of the conjugate path p_sigma */
    BBOPT_CMA_RATE_DSIGMA = 2, /* d_sigma: damping of the step size */
    BBOPT_CMA_RATE_CC = 3,     /* c_c: of the path p_c (full and sep only) */
    BBOPT_CMA_RATE_C1 = 4,     /* c_1: rank-one update (full and sep only) */
    BBOPT_CMA_RATE_CMU = 5,    /* c_mu: rank-mu update (full and sep only) */
    BBOPT_CMA_RATE_MUEFF = 6,  /* mu_eff = 1 / sum w_i^2 */
    BBOPT_CMA_RATE_CHIN = 7,   /* E||N(0, I_d)|| */
    BBOPT_CMA_N_RATES = 8
};

/* The LAPACK routine the caller passes in (scipy.linalg.cython_lapack). */
typedef struct {
    void (*dsyevr)(char *jobz, char *range, char *uplo, int *n, double *a, int *lda,
                   double *vl, double *vu, int *il, int *iu, double *abstol, int *m,
                   double *w, double *z, int *ldz, int *isuppz, double *work, int *lwork,
                   int *iwork, int *liwork, int *info);
} bbopt_cma_lapack;

/* Workspace of bbopt_cma_eigen: doubles and ints, for dimension d. */
#define BBOPT_CMA_EIGEN_WORK(d) (2 * (d) * (d) + 27 * (d))
#define BBOPT_CMA_EIGEN_IWORK(d) (12 * (d))

/*
 * x (n, d) = mean + sigma * bd z_i for each row z_i of z (n, d).
 * Returns BBOPT_ERR_SIZE or BBOPT_ERR_DOMAIN (sigma <= 0 or not finite).
 * Time O(n d^2).
 */
int bbopt_cma_sample(intptr_t n, intptr_t d, const double *z, const double *mean,
                     double sigma, const double *bd, double *x);

/*
 * The full CMA-ES update [H16, eqs. 41-47], with active (negative) weights.
 * Here y holds all the ranked steps (mu rows: lambda in [H16]), weights
 * their weights, positive first, then possibly negative:
 *   y_w = sum_{w_i > 0} w_i y_i;  mean += c_m sigma y_w
 *   p_sigma = (1 - c_sigma) p_sigma + sqrt(c_sigma (2 - c_sigma) mu_eff) invsqrt y_w
 *   h_sigma = [||p_sigma|| / sqrt(1 - (1 - c_sigma)^(2 (generation + 1)))
 *              < (1.4 + 2 / (d + 1)) chi_n]
 *   p_c = (1 - c_c) p_c + h_sigma sqrt(c_c (2 - c_c) mu_eff) y_w
 *   C = (1 + c_1 delta - c_1 - c_mu sum w_i) C + c_1 p_c p_c^T
 *       + c_mu sum w°_i y_i y_i^T,  delta = (1 - h_sigma) c_c (2 - c_c),
 *       w°_i = w_i if w_i >= 0, else w_i d / ||invsqrt y_i||^2
 *   sigma *= exp(min(1, c_sigma / d_sigma (||p_sigma|| / chi_n - 1)))
 * cov is updated in full (both triangles). Returns BBOPT_ERR_SIZE,
 * BBOPT_ERR_NAN (NaN in y or weights) or BBOPT_ERR_DOMAIN (sigma <= 0).
 * Time O(mu d^2).
 */
int bbopt_cma_update(intptr_t mu, intptr_t d, const double *y, const double *weights,
                     const double *rates, intptr_t generation, const double *invsqrt,
                     double *mean, double *sigma, double *p_sigma, double *p_c, double *cov);

/*
 * The sep-CMA-ES update [RH08]: the update above with C diagonal, cov (d,)
 * its diagonal and invsqrt = 1 / sqrt(cov) taken coordinate-wise (the
 * caller scales c_1 and c_mu by (d + 2) / 3 as [RH08] does).
 * Returns BBOPT_ERR_SIZE, BBOPT_ERR_NAN or BBOPT_ERR_DOMAIN (sigma <= 0 or
 * a non-positive variance). Time O(mu d).
 */
int bbopt_cma_update_sep(intptr_t mu, intptr_t d, const double *y, const double *weights,
                         const double *rates, intptr_t generation, double *mean,
                         double *sigma, double *p_sigma, double *p_c, double *cov);

/*
 * Eigendecomposition of the symmetric cov (d, d) = B diag(D^2) B^T through
 * LAPACK dsyevr (the upper triangle of cov is read). Eigenvalues below
 * 1e-300 are raised to it. Outputs: bd (d, d) = B diag(D), invsqrt (d, d)
 * = B diag(1 / D) B^T, eigenvalues (d,) = D^2 in ascending order.
 * work: BBOPT_CMA_EIGEN_WORK(d) doubles, iwork: BBOPT_CMA_EIGEN_IWORK(d) ints.
 * Returns BBOPT_ERR_SIZE (d < 1 or above INT_MAX), BBOPT_ERR_NAN (a NaN or
 * infinity in cov) or BBOPT_ERR_NOT_PD (dsyevr failed, or the largest
 * eigenvalue is not positive). Time O(d^3).
 */
int bbopt_cma_eigen(intptr_t d, const double *cov, const bbopt_cma_lapack *lapack,
                    double *work, int *iwork, double *bd, double *invsqrt,
                    double *eigenvalues);

/*
 * LM-MA-ES sampling [LGB17, lines 5-9]: for each row z_i of z (n, d),
 *   s = z_i;  for j = 0 .. m-1:  s = (1 - c_d[j]) s + c_d[j] M_j (M_j . s)
 *   steps_i = s;  x_i = mean + sigma s
 * with the m direction vectors M (m, d), m >= 0.
 * Returns BBOPT_ERR_SIZE or BBOPT_ERR_DOMAIN (sigma <= 0). Time O(n m d).
 */
int bbopt_lmma_sample(intptr_t n, intptr_t d, intptr_t m, const double *z,
                      const double *mean, double sigma, const double *vectors,
                      const double *c_d, double *steps, double *x);

/*
 * LM-MA-ES update [LGB17, lines 10-14] from the selected z (mu, d) and
 * their steps (mu, d), best first:
 *   mean += c_m sigma sum w_i steps_i;  z_w = sum w_i z_i
 *   p_sigma = (1 - c_sigma) p_sigma + sqrt(mu_eff c_sigma (2 - c_sigma)) z_w
 *   M_j = (1 - c_c[j]) M_j + sqrt(mu_eff c_c[j] (2 - c_c[j])) z_w,  j < m
 *   sigma *= exp(min(1, c_sigma / (2 d_sigma) (||p_sigma||^2 / d - 1)))
 * Returns BBOPT_ERR_SIZE, BBOPT_ERR_NAN or BBOPT_ERR_DOMAIN. Time O((mu + m) d).
 */
int bbopt_lmma_update(intptr_t mu, intptr_t d, intptr_t m, const double *z,
                      const double *steps, const double *weights, const double *rates,
                      const double *c_c, double *mean, double *sigma, double *p_sigma,
                      double *vectors);

#endif /* BBOPT_CMA_H */
