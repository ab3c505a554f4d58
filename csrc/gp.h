/*
 * Gaussian-process kernels: Matern 5/2 covariance with one length scale per
 * dimension (ARD) and a Hamming term for categorical dimensions, the log
 * marginal likelihood with its gradient, the posterior at new points with
 * its gradient, and log expected improvement.
 *
 * Notations
 * ---------
 * n      : training points;  m : new points (candidates);  d : dimensions
 * theta  : (d + 2,) log hyperparameters
 *          [log l_0 .. log l_{d-1}, log signal variance, log noise variance]
 * r^2    : sum over numeric j of ((a_j - b_j) / l_j)^2
 *          + sum over categorical j of [a_j != b_j] / l_j^2
 * k(a,b) : s (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r),  s = exp(theta[d])
 * K      : k(X, X) + noise I,  noise = exp(theta[d + 1])
 * chol   : (n, n) row-major, lower triangle L with K = L L^T, zeros above
 *
 * Linear algebra goes through the LAPACK/BLAS routines the caller passes in
 * a bbopt_gp_lapack (the Cython binding passes scipy.linalg.cython_lapack
 * and cython_blas), Fortran signatures with 32-bit ints: sizes above
 * INT_MAX give BBOPT_ERR_SIZE.
 */
#ifndef BBOPT_GP_H
#define BBOPT_GP_H

#include "bbopt_common.h"

typedef struct {
    /* Cholesky factorisation, inverse from the factor, triangular solves. */
    void (*dpotrf)(char *uplo, int *n, double *a, int *lda, int *info);
    void (*dpotri)(char *uplo, int *n, double *a, int *lda, int *info);
    void (*dtrsm)(char *side, char *uplo, char *transa, char *diag, int *m, int *n,
                  double *alpha, double *a, int *lda, double *b, int *ldb);
} bbopt_gp_lapack;

/*
 * Covariance matrix out (n1, n2) = k(x1, x2), without the noise term.
 * x1 (n1, d), x2 (n2, d), categorical (d,) 0/1 flags, theta (d + 2,).
 * Returns BBOPT_ERR_SIZE if a size is negative, BBOPT_ERR_NAN on a NaN in
 * x1, x2 or theta.
 */
int bbopt_gp_kernel_matrix(intptr_t n1, intptr_t n2, intptr_t d, const double *x1,
                           const double *x2, const uint8_t *categorical, const double *theta,
                           double *out);

/*
 * Log marginal likelihood plus log prior of the hyperparameters:
 *   value = -y^T K^-1 y / 2 - log det(L) - n log(2 pi) / 2
 *           + sum_p log N(theta_p; prior_mean_p, prior_std_p^2)
 * and, if grad is not NULL, its gradient with respect to theta (d + 2,).
 *
 * x (n, d), y (n,), categorical (d,), theta, prior_mean, prior_std (d + 2,),
 * prior_std > 0. Outputs: chol (n, n), alpha (n,) = K^-1 y, *value, grad.
 * work: n * n doubles.
 * Returns BBOPT_ERR_SIZE, BBOPT_ERR_NAN (NaN in x, y, theta or the prior),
 * BBOPT_ERR_DOMAIN (prior_std <= 0 or infinite) or BBOPT_ERR_NOT_PD (the
 * Cholesky factorisation of K failed; the outputs are then undefined).
 * Time O(n^3 / 3 + n^2 d), or O(n^3 + n^2 d) with the gradient.
 */
int bbopt_gp_log_marginal_likelihood(intptr_t n, intptr_t d, const double *x, const double *y,
                                     const uint8_t *categorical, const double *theta,
                                     const double *prior_mean, const double *prior_std,
                                     const bbopt_gp_lapack *lapack, double *chol,
                                     double *alpha, double *work, double *value,
                                     double *grad);

/*
 * Posterior of the latent function at m new points x_new (m, d):
 *   mean = k(x_new, X) alpha,   var = max(s - diag(k L^-T L^-1 k^T), 0)
 * (noise excluded) and, if grad_mean / grad_var are not NULL, their
 * gradients (m, d) with respect to x_new (0 in categorical dimensions).
 * chol and alpha as output by bbopt_gp_log_marginal_likelihood.
 * work: m * n doubles.
 * Returns BBOPT_ERR_SIZE or BBOPT_ERR_NAN (NaN in x, x_new or theta).
 * Time O(m n^2 + m n d).
 */
int bbopt_gp_posterior(intptr_t n, intptr_t m, intptr_t d, const double *x,
                       const uint8_t *categorical, const double *theta, const double *chol,
                       const double *alpha, const double *x_new,
                       const bbopt_gp_lapack *lapack, double *work, double *mean, double *var,
                       double *grad_mean, double *grad_var);

/*
 * Log expected improvement below `best` (minimisation) of m normal
 * posteriors N(mean, var):  out = log E[max(best - f, 0)]
 *   = log sigma + log h(z),  z = (best - mean) / sigma,  h(z) = z Phi(z) + phi(z),
 * finite for every finite input (z -> -inf included: no log of 0, no
 * cancellation), and, if not NULL, its derivatives grad_mean, grad_var (m,).
 * Returns BBOPT_ERR_SIZE, BBOPT_ERR_NAN (NaN in mean, var or best) or
 * BBOPT_ERR_DOMAIN (var <= 0 or infinite, best or mean infinite).
 */
int bbopt_gp_log_ei(intptr_t m, const double *mean, const double *var, double best,
                    double *out, double *grad_mean, double *grad_var);

#endif /* BBOPT_GP_H */
